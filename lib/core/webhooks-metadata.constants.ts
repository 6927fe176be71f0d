/** Reflect metadata key of `@WebhookEvent` on provider methods. */
export const WEBHOOK_EVENT_METADATA = 'webhooks:event';

/**
 * Reflect metadata key of `@WebhookResource` on entity classes: `{ name, options }`. The payload shapers read
 * `name` to match shapers registered for a resource.
 */
export const WEBHOOK_RESOURCE_METADATA = 'webhooks:resource';

/** Reflect metadata key written by `@WebhookPayload()`: the class's instances are payloads already. */
export const WEBHOOK_PAYLOAD_METADATA = 'webhooks:payload';

/** Reflect metadata key written by `@WebhookPayloadShaper()` on a method: a list of shaper options. */
export const WEBHOOK_PAYLOAD_SHAPER_METADATA = 'webhooks:payload-shaper';
