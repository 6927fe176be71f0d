import type { Type } from '@nestjs/common';
import type { WebhookDialect, WebhookDialectDefinition } from './webhook-dialect.interface';
import type { WebhookPayloadShaperDefinition } from './payload-shaper.interface';

/**
 * The part of the module options that the dialect registry and the payload shapers read (provided under
 * {@link WEBHOOK_PAYLOAD_OPTIONS}).
 */
export interface WebhookPayloadOptions {
  /**
   * Dialects besides the built-in `default` and `standard` ones: plain definitions, or classes
   * implementing {@link WebhookDialect} (usually extending `DefaultWebhookDialect`). A class that is also
   * a provider somewhere in the application is used from there, with its dependencies injected;
   * otherwise it is instantiated with `new` and must have a constructor without parameters. Classes
   * decorated `@WebhookDialect('name')` and provided in any module are found without being listed.
   * @default []
   */
  dialects?: Array<WebhookDialectDefinition | Type<WebhookDialect>>;
  /**
   * Payload shapers besides the provider methods decorated `@WebhookPayloadShaper()`.
   * @default []
   */
  payloadShapers?: WebhookPayloadShaperDefinition[];
}
