export { DefaultWebhookDialect } from './default.dialect';
export { validateDialectOptions } from '../../options/dialect-definition.validation';
export { DEFAULT_DIALECT, STANDARD_DIALECT, WEBHOOK_DIALECT_METADATA } from '../../core/dialect.constants';
export { getWebhookDialectMetadata } from './dialect.metadata';
export type { WebhookDialectMetadata } from './dialect.metadata';
export { DialectRegistry } from './dialect.registry';
export { StandardWebhookDialect } from './standard.dialect';
export type { StandardWebhookEnvelope } from './standard.dialect';
export { WEBHOOKS_USER_AGENT } from './user-agent.util';
export { WebhookDialectError } from '../../core/errors/webhook-dialect.error';
export type {
  RenderedWebhookBody,
  WebhookDialectDefinition,
  WebhookDialectHeaders,
  WebhookDialectRequest,
  WebhookHttpMethod,
  WebhookRenderContext,
  WebhookTransformOptions,
  WebhookTryContext,
} from '../../options/webhook-dialect.interface';
// The decorator and the WebhookDialect interface share one name (see the decorator's file).
export { WebhookDialect } from './webhook-dialect.decorator';
