import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { WebhookClock } from '../options/webhooks-module-options.interface';
import type { ActiveSubscriptions } from '../pipeline/active-subscriptions.interface';

/**
 * Until when subscriptions are paused (their target asked to be sent less: 429, 503 with `Retry-After`), as
 * far as this instance knows. A pause this instance decided counts at once, for the jobs queued behind the
 * throttled try, before the store and the index know of it; the index's and the job's own copy of the
 * subscription count too.
 */
export class PauseTracker {
  /** Pauses decided here: subscription id → until (epoch ms). */
  private readonly pauses = new Map<string, number>();

  constructor(
    private readonly active: ActiveSubscriptions,
    private readonly clock: WebhookClock,
  ) {}

  /** Until when a subscription is paused (0: not paused). */
  until(subscription: WebhookSubscription): number {
    const id = subscription.id;
    const local = this.pauses.get(id) ?? 0;
    const indexed = this.active.getActive(id)?.pausedUntil?.getTime() ?? 0;
    return Math.max(local, indexed, subscription.pausedUntil?.getTime() ?? 0);
  }

  /** Notes a pause decided by a try's result; ended ones are forgotten once there are many. */
  note(subscriptionId: string, until: number): void {
    if ((this.pauses.get(subscriptionId) ?? 0) < until) this.pauses.set(subscriptionId, until);
    if (this.pauses.size > 1024) {
      const now = this.clock.now();
      for (const [id, end] of this.pauses) if (end <= now) this.pauses.delete(id);
    }
  }
}
