import type { WebhookSubscription } from '../entities/webhook-subscription.entity';

/** Injection token of {@link ActiveSubscriptions}, provided by the registry. */
export const ACTIVE_SUBSCRIPTIONS = Symbol('ACTIVE_SUBSCRIPTIONS');

/**
 * The active subscriptions as the in-memory index holds them: the delivery engine takes the subscription of
 * an attempt from here (a database read only for those missing), without depending on the registry itself.
 */
export interface ActiveSubscriptions {
  /** The active subscription with this id, if the index holds it. */
  getActive(id: string): WebhookSubscription | undefined;
}
