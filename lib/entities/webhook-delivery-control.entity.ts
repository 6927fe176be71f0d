import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintNumberTransformer } from './epoch-ms.transformer';
import { WebhookSubscription } from './webhook-subscription.entity';

/**
 * The shared state of a subscription's `rateLimit`, one row per limited subscription, written by the claims
 * of every instance under a row lock: a token bucket kept as a GCRA "theoretical arrival time", and when the
 * next request may go (claims pass the subscription's attempts over until then).
 */
@Entity({ name: 'webhook_subscription_limits' })
export class WebhookSubscriptionLimit {
  @PrimaryColumn({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId!: string;

  @ManyToOne(() => WebhookSubscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id', foreignKeyConstraintName: 'FK_webhook_subscription_limits_subscription' })
  subscription?: WebhookSubscription;

  /** The bucket's theoretical arrival time (epoch µs). */
  @Column({ type: 'bigint', transformer: bigintNumberTransformer })
  tat!: number;

  /** Before this time (epoch ms) no attempt of the subscription is claimed: no token, or no free slot. */
  @Column({ name: 'ready_at', type: 'bigint', transformer: bigintNumberTransformer })
  readyAt!: number;
}
