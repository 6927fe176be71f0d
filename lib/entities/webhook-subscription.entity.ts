import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMsTransformer } from '../utils/epoch-ms.transformer';

/**
 * A webhook subscription: where to send (`to`), which events (`events` patterns), in which scope,
 * on whose behalf (`ownerId`, `permission`) and how (`dialect`).
 *
 * `active` and `statusMessage` change only through the {@link WebhookSubscriptions} service
 * (activate / deactivate) and the delivery rules, never by assignment.
 */
@Entity({ name: 'webhook_subscriptions' })
@Index('IDX_webhook_subscriptions_scope', ['scope', 'id'])
@Index('IDX_webhook_subscriptions_owner', ['ownerId', 'id'])
@Index('IDX_webhook_subscriptions_static_key', ['staticKey'])
export class WebhookSubscription {
  /** Time-ordered UUID (v7), so that ordering by id is ordering by creation. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The scope (registry) the subscription lives in: `/`, `/acme`, `/acme/sales`. */
  @Column({ type: 'varchar', length: 255 })
  scope!: string;

  /** The principal the subscription belongs to, or `null` for none (then always applicable). */
  @Column({ name: 'owner_id', type: 'varchar', length: 255, nullable: true })
  ownerId!: string | null;

  /** Event patterns: `contact.create`, `contact.*`, `*.delete` or `*`. */
  @Column({ type: 'json' })
  events!: string[];

  /** The target URL deliveries are sent to. */
  @Column({ name: 'target_url', type: 'varchar', length: 2048 })
  to!: string;

  /** The name of the dialect that shapes the requests. */
  @Column({ type: 'varchar', length: 64 })
  dialect!: string;

  /** The permission the owner (and the initiator of an event) must hold on the payload; `null` = the default. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  permission!: string | null;

  /** Whether deliveries are made. */
  @Column({ type: 'boolean' })
  active!: boolean;

  /** `Active`, or why the subscription was deactivated. */
  @Column({ name: 'status_message', type: 'varchar', length: 512 })
  statusMessage!: string;

  /** Free text for people. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  description!: string | null;

  /** Application data kept with the subscription (not sent). */
  @Column({ type: 'json', nullable: true })
  metadata!: Record<string, unknown> | null;

  /** Resolved attempts that failed since the last success or activation (auto-deactivation rule). */
  @Column({ name: 'consecutive_failures', type: 'int' })
  consecutiveFailures!: number;

  /** Precondition failures (owner or permission not found) since the last activation. */
  @Column({ name: 'precondition_failures', type: 'int' })
  preconditionFailures!: number;

  /** For subscriptions synced from `forRoot({ subscriptions })` with `persistent: true`: their identity. */
  @Column({ name: 'static_key', type: 'varchar', length: 64, nullable: true })
  staticKey!: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMsTransformer })
  updatedAt!: Date;
}
