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

/**
 * The circuit breaker of one target host (`host:port`), shared by every instance: closed (tries go), open
 * (tries wait until `open_until`) or half-open (one instance's probe is under way until `probe_until`); with
 * the counts that open it.
 */
@Entity({ name: 'webhook_breakers' })
export class WebhookBreaker {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  host!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: 'closed' | 'open' | 'half-open';

  /** Failed tries since the last success. */
  @Column({ name: 'consecutive_failures', type: 'int' })
  consecutiveFailures!: number;

  /** When the current failure-ratio window began (epoch ms). */
  @Column({ name: 'window_start', type: 'bigint', transformer: bigintNumberTransformer })
  windowStart!: number;

  @Column({ name: 'window_tries', type: 'int' })
  windowTries!: number;

  @Column({ name: 'window_failures', type: 'int' })
  windowFailures!: number;

  /** While open: until when no try is made (epoch ms). */
  @Column({ name: 'open_until', type: 'bigint', nullable: true, transformer: bigintNumberTransformer })
  openUntil!: number | null;

  /** While half-open: until when the probe holds the breaker (epoch ms). */
  @Column({ name: 'probe_until', type: 'bigint', nullable: true, transformer: bigintNumberTransformer })
  probeUntil!: number | null;

  /** When its state last changed (epoch ms). */
  @Column({ name: 'changed_at', type: 'bigint', transformer: bigintNumberTransformer })
  changedAt!: number;
}
