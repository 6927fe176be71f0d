import { serializeJsonPayload } from './payload.serializer';
import { DEFAULT_CONTENT_TYPE, DEFAULT_DIALECT } from '../../core/dialect.constants';
import { getWebhookDialectMetadata } from './dialect.metadata';
import { WEBHOOKS_USER_AGENT } from './user-agent.util';
import type {
  WebhookDialect,
  WebhookDialectHeaders,
  WebhookHttpMethod,
  WebhookRenderContext,
  WebhookTransformOptions,
} from '../../options/webhook-dialect.interface';

/**
 * The `default` dialect, and the base class of custom ones (extend it and change only what differs): the
 * body is the payload alone as JSON, sent with `POST`, `content-type: application/json` and
 * `user-agent: nestjs-webhooks/<version>`.
 *
 * ```ts
 * @WebhookDialect('legacy')
 * export class LegacyDialect extends DefaultWebhookDialect {
 *   override readonly method = 'PUT';
 *   override readonly userAgent = 'acme-hooks';
 * }
 * ```
 *
 * Its name is the one given to `@WebhookDialect` on the (sub)class, else `default`.
 */
export class DefaultWebhookDialect implements WebhookDialect {
  /** The dialect name; from `@WebhookDialect('name')` on the class. */
  readonly name: string;
  /** @default 'POST' */
  readonly method: WebhookHttpMethod = 'POST';
  /** @default 'application/json' */
  readonly contentType: string = DEFAULT_CONTENT_TYPE;
  /** @default 'nestjs-webhooks/<version>' */
  readonly userAgent: string = WEBHOOKS_USER_AGENT;
  /** @default {} */
  readonly headers: WebhookDialectHeaders = {};
  /** @default [] */
  readonly sensitiveHeaders: readonly string[] = [];
  /** @default undefined */
  readonly transform?: WebhookTransformOptions;

  constructor() {
    this.name = getWebhookDialectMetadata(new.target)?.name ?? DEFAULT_DIALECT;
  }

  /** No envelope: the body is the payload. */
  envelope(payload: unknown, _context: WebhookRenderContext): unknown {
    return payload;
  }

  /** JSON, with dates as ISO 8601; BigInt, NaN, Infinity and cycles refused. */
  serialize(body: unknown, context: WebhookRenderContext): string {
    return serializeJsonPayload(body, { event: context.event, transform: this.transform, root: 'body' });
  }
}
