import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type {
  WebhookAttemptInternalInfo,
  WebhookAttemptRequest,
  WebhookAttemptResponse,
  WebhookAttemptStatus,
  WebhookAttemptTry,
  WebhookTryTrigger,
} from '../core/attempts/delivery-attempt.interface';
import { bigintNumberTransformer, epochMsTransformer } from './epoch-ms.transformer';
import { WebhookSubscription } from './webhook-subscription.entity';

/**
 * One delivery of one event to one subscription: written as `pending` in the transaction that raised
 * the event (the outbox row), then resolved as `successful` or `failed` by the delivery engine. Every
 * HTTP try is listed in `tries`; `request`/`response` describe the latest one.
 */
@Entity({ name: 'webhook_delivery_attempts' })
@Index('IDX_webhook_delivery_attempts_due', ['status', 'nextAttemptAt'])
@Index('IDX_webhook_delivery_attempts_history', ['subscriptionId', 'status', 'id'])
@Index('IDX_webhook_delivery_attempts_recent', ['subscriptionId', 'id'])
@Index('IDX_webhook_delivery_attempts_resolved', ['resolvedAt'])
@Index('IDX_webhook_delivery_attempts_ordering', ['subscriptionId', 'orderingKey', 'id'])
@Index('IDX_webhook_delivery_attempts_message', ['messageId', 'subscriptionId'], { unique: true })
export class WebhookDeliveryAttempt {
  /** Time-ordered UUID (v7): ordering by id is ordering by creation. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId!: string;

  @ManyToOne(() => WebhookSubscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id', foreignKeyConstraintName: 'FK_webhook_delivery_attempts_subscription' })
  subscription?: WebhookSubscription;

  /** The message id (`webhook-id` header): shared by every attempt of one event, stable across tries. */
  @Column({ name: 'message_id', type: 'varchar', length: 64 })
  messageId!: string;

  /** The event name, e.g. `contact.create`. */
  @Column({ type: 'varchar', length: 255 })
  event!: string;

  /** The scope the event was raised in. */
  @Column({ type: 'varchar', length: 255 })
  scope!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: WebhookAttemptStatus;

  /** `200 OK`, `404 Not Found`, or why the attempt failed; `null` while pending before the first try. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  message!: string | null;

  @Column({ type: 'json' })
  request!: WebhookAttemptRequest;

  @Column({ type: 'json', nullable: true })
  response!: WebhookAttemptResponse | null;

  @Column({ name: 'internal_info', type: 'json' })
  internalInfo!: WebhookAttemptInternalInfo;

  @Column({ type: 'json' })
  tries!: WebhookAttemptTry[];

  /** How many HTTP tries were made. */
  @Column({ name: 'attempt_count', type: 'int' })
  attemptCount!: number;

  /** When the next try is due; `null` once resolved. */
  @Column({ name: 'next_attempt_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  nextAttemptAt!: Date | null;

  /** What starts the next try when it is not the schedule: `manual` after a retry or replay by hand. */
  @Column({ name: 'next_trigger', type: 'varchar', length: 16, nullable: true })
  nextTrigger!: WebhookTryTrigger | null;

  /** The fencing token of the engine run that holds the attempt. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  /** Until when that run holds it; after that another run may claim it. */
  @Column({ name: 'lease_until', type: 'bigint', nullable: true, transformer: bigintNumberTransformer })
  leaseUntil!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt!: Date;

  @Column({ name: 'resolved_at', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  resolvedAt!: Date | null;

  /**
   * The W3C `traceparent` of the span that dispatched the event (OpenTelemetry), so that its tries continue
   * that trace; `null` when no span was active.
   */
  @Column({ name: 'trace_context', type: 'varchar', length: 128, nullable: true })
  traceContext!: string | null;

  /**
   * The ordering key the event was raised with (`orderingKey`), or `null`: the attempts of one subscription
   * with the same key are delivered one after the other, in dispatch (id) order.
   */
  @Column({ name: 'ordering_key', type: 'varchar', length: 255, nullable: true })
  orderingKey!: string | null;
}
