/** Reflect metadata key of `@WebhookEvent` on provider methods. */
export const WEBHOOK_EVENT_METADATA = 'webhooks:event';

/** Reflect metadata key of `@WebhookResource` on entity classes: `{ name, options }`. */
export const WEBHOOK_RESOURCE_METADATA = 'webhooks:resource';
