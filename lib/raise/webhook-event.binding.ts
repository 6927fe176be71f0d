import type { WebhookEventMetadata } from '../core/metadata/webhook-event.metadata';

/** Raises the events of one decorated call. */
export type WebhookRaiser = (
  events: readonly WebhookEventMetadata[],
  result: unknown,
  args: unknown[],
) => Promise<void>;

const bound = new WeakMap<object, WebhookRaiser>();
let latest: WebhookRaiser | undefined;

/**
 * Ties provider instances to the dispatcher of their application (several applications may live in one
 * process, as in tests). Instances created later — request-scoped providers — use the most recently
 * initialized application's.
 */
export function bindWebhookRaiser(instance: object, raiser: WebhookRaiser): void {
  bound.set(instance, raiser);
}

/** Makes `raiser` the one used by instances that were not bound. */
export function setDefaultWebhookRaiser(raiser: WebhookRaiser | undefined): void {
  latest = raiser;
}

export function webhookRaiserOf(instance: object): WebhookRaiser | undefined {
  return bound.get(instance) ?? latest;
}
