import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { ActiveSubscriptions } from '../pipeline/active-subscriptions.interface';
import type { WebhookSubscriptionStore } from '../stores/subscription-store.interface';
import type { DeliveryJob } from './delivery-job.interface';

/**
 * Jobs for claimed attempts, with their subscriptions from the index (a read from the store only for those
 * it lacks: an inactive subscription's manual retry, an index not caught up yet). Attempts whose
 * subscription no longer exists are left out; their rows went with it.
 */
export async function deliveryJobsFor(
  attempts: readonly WebhookDeliveryAttempt[],
  lease: { token: string; until: number },
  active: ActiveSubscriptions,
  store: WebhookSubscriptionStore,
): Promise<DeliveryJob[]> {
  const subscriptions = new Map<string, WebhookSubscription>();
  const missing: string[] = [];
  for (const attempt of attempts) {
    const indexed = active.getActive(attempt.subscriptionId);
    if (indexed) subscriptions.set(indexed.id, indexed);
    else missing.push(attempt.subscriptionId);
  }
  if (missing.length > 0) {
    for (const subscription of await store.findMany([...new Set(missing)]))
      subscriptions.set(subscription.id, subscription);
  }
  return attempts
    .filter((attempt) => subscriptions.has(attempt.subscriptionId))
    .map((attempt) => ({
      attempt,
      subscription: subscriptions.get(attempt.subscriptionId)!,
      leaseToken: lease.token,
      leaseUntil: lease.until,
      // What starts an attempt's next try: a manual retry, a scheduled retry, or the first try.
      trigger: attempt.nextTrigger ?? (attempt.attemptCount > 0 ? 'retry' : 'scheduled'),
    }));
}
