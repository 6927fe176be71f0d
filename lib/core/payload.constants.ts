/** Injection token of the {@link WebhookPayloadOptions} the dialect registry and the payload shapers read. */
export const WEBHOOK_PAYLOAD_OPTIONS = 'WEBHOOK_PAYLOAD_OPTIONS';

export {
  WEBHOOK_PAYLOAD_METADATA,
  WEBHOOK_PAYLOAD_SHAPER_METADATA,
  WEBHOOK_RESOURCE_METADATA,
} from './webhooks-metadata.constants';
