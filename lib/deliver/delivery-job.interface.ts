import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { WebhookTryTrigger } from '../core/attempts/delivery-attempt.interface';

/** An attempt the engine holds and will try: the row as committed, its subscription, and its lease. */
export interface DeliveryJob {
  attempt: WebhookDeliveryAttempt;
  subscription: WebhookSubscription;
  /** The fencing token the attempt is leased under. */
  leaseToken: string;
  /** Until when the lease runs (epoch ms); renewed while the job waits. */
  leaseUntil: number;
  trigger: WebhookTryTrigger;
  /** When this instance got it (epoch ms): a rate-limited one not sent soon after goes back for a new token. */
  claimedAt?: number;
}
