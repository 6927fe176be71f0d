/** Injection token of the {@link WebhookPayloadOptions} the dialect registry and the payload shapers read. */
export const WEBHOOK_PAYLOAD_OPTIONS = 'WEBHOOK_PAYLOAD_OPTIONS';

/**
 * Reflect metadata key of a resource class (`@WebhookResource('employee')`): `{ name: string }`. The
 * payload shapers read it to match shapers registered for a resource name.
 */
export const WEBHOOK_RESOURCE_METADATA = 'webhooks:resource';

/** Reflect metadata key written by `@WebhookPayload()`: the class's instances are payloads already. */
export const WEBHOOK_PAYLOAD_METADATA = 'webhooks:payload';

/** Reflect metadata key written by `@WebhookPayloadShaper()` on a method: a list of shaper options. */
export const WEBHOOK_PAYLOAD_SHAPER_METADATA = 'webhooks:payload-shaper';
