export { WebhookPayload } from '../decorators/webhook-payload.decorator';
export { WebhookPayloadShaper } from '../decorators/webhook-payload-shaper.decorator';
export type {
  WebhookPayloadShaperDefinition,
  WebhookPayloadShaperFunction,
  WebhookPayloadShaperOptions,
  WebhookPayloadTarget,
  WebhookShapeContext,
} from './payload-shaper.interface';
export { PayloadShapers } from './payload-shapers';
export { WEBHOOK_PAYLOAD_OPTIONS, WEBHOOK_RESOURCE_METADATA } from './payload.constants';
export { getWebhookResourceName, isWebhookPayload, webhookResourceOf } from './payload.metadata';
export type { WebhookResourceMetadata } from './payload.metadata';
export { serializeJsonPayload, toPlainPayload } from './payload.serializer';
export type { PayloadSerializationOptions } from './payload.serializer';
export type { WebhookPayloadOptions } from './webhook-payload-options.interface';
export { WebhookPayloadError } from './webhook-payload.error';
