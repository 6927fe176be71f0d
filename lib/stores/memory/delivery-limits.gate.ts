import { grantRate } from '../../core/limits/delivery-limits';
import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type { AttemptSlot } from './attempt-history';

/**
 * The per-subscription limits (`rateLimit`, `maxInFlight`) of the memory outbox, as its claims apply them:
 * tries in flight are the subscription's attempts under a live lease, the rate a token bucket kept as a GCRA
 * "theoretical arrival time" per subscription (what the database keeps in `webhook_subscription_limits`).
 */
export class DeliveryLimitsGate {
  /** Subscription id → theoretical arrival time (epoch µs). */
  private readonly tats = new Map<string, number>();

  /**
   * Whether one more attempt of the slot's subscription may be claimed at `now`; counts it when it may.
   * `counted` holds, per subscription, the tries in flight known in this claim (made on first use).
   */
  admit(
    slot: AttemptSlot,
    subscription: WebhookSubscription | undefined,
    now: number,
    counted: Map<string, number>,
  ): boolean {
    const rateLimit = subscription?.rateLimit ?? null;
    const maxInFlight = subscription?.maxInFlight ?? null;
    if (rateLimit === null && maxInFlight === null) return true;
    const id = slot.history.subscriptionId;
    let inFlight = counted.get(id);
    if (inFlight === undefined) {
      inFlight = 0;
      for (const other of slot.history.oldestFirst()) {
        const { status, leaseUntil } = other.attempt;
        if (status === 'pending' && leaseUntil !== null && leaseUntil > now) inFlight++;
      }
    }
    if (maxInFlight !== null && inFlight >= maxInFlight) return false;
    if (rateLimit !== null) {
      const drawn = grantRate(rateLimit, this.tats.get(id) ?? 0, now, 1);
      if (drawn.granted === 0) return false;
      this.tats.set(id, drawn.tat);
    }
    counted.set(id, inFlight + 1);
    return true;
  }

  /** Forgets a deleted subscription's state. */
  forget(subscriptionId: string): void {
    this.tats.delete(subscriptionId);
  }
}
