import type { INestApplicationContext } from '@nestjs/common';
import { WebhookEventCatalog } from './match/catalog/webhook-event.catalog';
import type { WebhooksOpenApiOptions } from './match/catalog/webhooks-openapi.builder';

/** The part of an OpenAPI document (`SwaggerModule.createDocument`'s result) this function changes. */
interface OpenApiDocumentLike {
  openapi: string;
  webhooks?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * Adds the webhooks the application sends to its own OpenAPI document (the one `SwaggerModule.createDocument`
 * builds): the `webhooks` section (one `POST` per cataloged event type, with the Standard Webhooks headers,
 * the payload schema and an example) and the payload schemas in `components.schemas` — the application's
 * own schemas of the same name are kept. `webhooks` is OpenAPI 3.1: a 3.0 document is marked 3.1.0 (build
 * it with `new DocumentBuilder().setOpenAPIVersion('3.1.0')` to say so yourself). Returns the document.
 *
 * ```ts
 * const document = SwaggerModule.createDocument(app, new DocumentBuilder().setOpenAPIVersion('3.1.0').build());
 * SwaggerModule.setup('docs', app, addWebhooksToDocument(document, app));
 * ```
 */
export function addWebhooksToDocument<T extends OpenApiDocumentLike>(
  document: T,
  app: Pick<INestApplicationContext, 'get'>,
  options: WebhooksOpenApiOptions = {},
): T {
  const { webhooks, components } = app.get(WebhookEventCatalog, { strict: false }).openApiWebhooks(options);
  if (document.openapi.startsWith('3.0')) document.openapi = '3.1.0';
  document.webhooks = { ...webhooks, ...document.webhooks };
  document.components ??= {};
  document.components.schemas = { ...components.schemas, ...document.components.schemas };
  return document;
}
