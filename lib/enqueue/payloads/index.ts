export { WebhookPayload } from './webhook-payload.decorator';
export { WebhookPayloadShaper } from './webhook-payload-shaper.decorator';
export type {
  WebhookPayloadShaperDefinition,
  WebhookPayloadShaperFunction,
  WebhookPayloadShaperOptions,
  WebhookPayloadTarget,
  WebhookShapeContext,
} from '../../options/payload-shaper.interface';
export { PayloadShapers } from './payload-shapers.service';
export { WEBHOOK_PAYLOAD_OPTIONS, WEBHOOK_RESOURCE_METADATA } from '../../core/payload.constants';
export { getWebhookResourceName, isWebhookPayload, webhookResourceOf } from './payload.metadata';
export type { WebhookResourceMetadata } from './payload.metadata';
export { serializeJsonPayload, toPlainPayload } from './payload.serializer';
export type { PayloadSerializationOptions } from './payload.serializer';
export type { WebhookPayloadOptions } from '../../options/webhook-payload-options.interface';
export { WebhookPayloadError } from '../../core/errors/webhook-payload.error';
