import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WebhookSubscription } from './webhook-subscription.entity';

/**
 * One row per (subscription, event pattern), copied with the subscription's scope, so that "the
 * subscriptions for this event in this scope lineage" is an index lookup on every database:
 * `pattern IN (name, noun.*, *.verb, *) AND scope IN (lineage)`.
 */
@Entity({ name: 'webhook_subscription_events' })
@Index('IDX_webhook_subscription_events_match', ['pattern', 'scope'])
export class WebhookSubscriptionEvent {
  @PrimaryColumn({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  pattern!: string;

  @Column({ type: 'varchar', length: 255 })
  scope!: string;

  @ManyToOne(() => WebhookSubscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id', foreignKeyConstraintName: 'FK_webhook_subscription_events_subscription' })
  subscription?: WebhookSubscription;
}
