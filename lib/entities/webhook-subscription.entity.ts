import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { WebhookRateLimit } from '../core/limits/delivery-limits';
import type { WebhookRetryPolicy } from '../core/retry/retry.policy';
import type { WebhookSecretList } from '../core/signing/webhook-secret.list';
import { webhookSecretListTransformer } from './webhook-secret-list.transformer';
import { epochMsTransformer } from './epoch-ms.transformer';

/**
 * A webhook subscription: where to send (`to`), which events (`events` patterns), in which scope,
 * on whose behalf (`owner`, `permission`) and how (`dialect`, `retry`).
 *
 * `active` and `statusMessage` change only through the {@link WebhookSubscriptions} service
 * (activate / deactivate) and the delivery rules, never by assignment.
 */
@Entity({ name: 'webhook_subscriptions' })
@Index('IDX_webhook_subscriptions_scope', ['scope', 'id'])
@Index('IDX_webhook_subscriptions_owner', ['owner', 'id'])
@Index('IDX_webhook_subscriptions_static_key', ['staticKey'])
export class WebhookSubscription {
  // Every field is set here, always in one order, so that instances keep their fields in the object itself
  // rather than in a separate store: the registry holds every active subscription in memory.
  constructor() {
    this.id = '';
    this.scope = '';
    this.owner = null;
    this.events = [];
    this.to = '';
    this.dialect = '';
    this.permission = null;
    this.active = false;
    this.statusMessage = '';
    this.description = null;
    this.metadata = null;
    this.consecutiveFailures = 0;
    this.preconditionFailures = 0;
    this.secrets = undefined;
    this.retry = null;
    this.pausedUntil = null;
    this.staticKey = null;
    this.rateLimit = null;
    this.maxInFlight = null;
    this.createdAtMs = 0;
    this.updatedAtMs = 0;
  }

  /** Time-ordered UUID (v7), so that ordering by id is ordering by creation. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The scope (registry) the subscription lives in: `/`, `/acme`, `/acme/sales`. */
  @Column({ type: 'varchar', length: 255 })
  scope!: string;

  /** The principal the subscription belongs to, or `null` for none (then always applicable). */
  @Column({ name: 'owner_id', type: 'varchar', length: 255, nullable: true })
  owner!: string | null;

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

  /**
   * The signing secrets (newest first; encrypted at rest when `secrets.encryptionKeys` is set). Opaque:
   * never loaded by repository reads, never serialized; shown once by `create()` and `rotateSecret()`.
   * `null` for a subscription whose requests are not signed.
   */
  @Column({ type: 'json', nullable: true, select: false, transformer: webhookSecretListTransformer })
  secrets?: WebhookSecretList | null;

  /** This subscription's retry policy, laid over the module's `retry` option; `null` = the module's. */
  @Column({ name: 'retry_policy', type: 'json', nullable: true })
  retry!: WebhookRetryPolicy | null;

  /**
   * Until when deliveries wait because the target answered 429, 502, 503 or 504 (`Retry-After`, or
   * `retry.throttlePause`); `null` when not paused.
   */
  @Column({ name: 'paused_until', type: 'bigint', nullable: true, transformer: epochMsTransformer })
  pausedUntil!: Date | null;

  /**
   * For subscriptions declared in `forRoot({ subscriptions })`: their identity (a hash of their configuration),
   * by which startup finds them again; `null` for the others. Kept by the stores, not shown (see `static`).
   */
  @Column({ name: 'static_key', type: 'varchar', length: 64, nullable: true })
  staticKey!: string | null;

  /**
   * Requests per second its target receives at most, across every instance (a token bucket); `null`: no
   * limit. Attempts over the limit wait, untried.
   */
  @Column({ name: 'rate_limit', type: 'json', nullable: true })
  rateLimit!: WebhookRateLimit | null;

  /** Tries in flight at once at most, across every instance; `null`: no limit. */
  @Column({ name: 'max_in_flight', type: 'int', nullable: true })
  maxInFlight!: number | null;

  // The times are kept as numbers and handed out as Dates: the registry holds every active subscription in
  // memory, and two Date objects would be a fifth of each one's size.

  /** When the subscription was created. */
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMsTransformer })
  get createdAt(): Date {
    return new Date(this.createdAtMs);
  }

  set createdAt(value: Date) {
    this.createdAtMs = value.getTime();
  }

  /** When the subscription last changed. */
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMsTransformer })
  get updatedAt(): Date {
    return new Date(this.updatedAtMs);
  }

  set updatedAt(value: Date) {
    this.updatedAtMs = value.getTime();
  }

  private createdAtMs!: number;
  private updatedAtMs!: number;

  /** Whether it was declared in `forRoot({ subscriptions })` (its `id` starts with `static:` unless `persistent`). */
  get static(): boolean {
    return this.staticKey !== null;
  }

  /**
   * What `JSON.stringify` (and so a Nest controller returning a subscription) shows: the fields of the
   * inputs' vocabulary (`owner`, `retry`, `static`), never the secrets nor the stored identity of a declared
   * subscription; the one-time `secret` (and `publicKey`) of a subscription just created when it has them.
   */
  toJSON(): WebhookSubscriptionJson {
    const { secret, publicKey } = this as { secret?: unknown; publicKey?: unknown };
    return {
      id: this.id,
      scope: this.scope,
      owner: this.owner,
      events: [...this.events],
      to: this.to,
      dialect: this.dialect,
      permission: this.permission,
      active: this.active,
      statusMessage: this.statusMessage,
      description: this.description,
      metadata: this.metadata,
      consecutiveFailures: this.consecutiveFailures,
      preconditionFailures: this.preconditionFailures,
      retry: this.retry,
      pausedUntil: this.pausedUntil,
      rateLimit: this.rateLimit,
      maxInFlight: this.maxInFlight,
      static: this.static,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      ...(typeof secret === 'string' ? { secret } : {}),
      ...(typeof publicKey === 'string' ? { publicKey } : {}),
    };
  }
}

/**
 * A subscription as it serializes (`toJSON()`): listed field by field, so that a column added later (a secret,
 * say) stays out of responses until someone decides to show it.
 */
export interface WebhookSubscriptionJson {
  id: string;
  scope: string;
  owner: string | null;
  events: string[];
  to: string;
  dialect: string;
  permission: string | null;
  active: boolean;
  statusMessage: string;
  description: string | null;
  metadata: Record<string, unknown> | null;
  consecutiveFailures: number;
  preconditionFailures: number;
  retry: WebhookRetryPolicy | null;
  pausedUntil: Date | null;
  rateLimit: WebhookRateLimit | null;
  maxInFlight: number | null;
  static: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Only on the result of `create()`: the one-time secret. */
  secret?: string;
  /** Only on the result of `create()` with ed25519 signing. */
  publicKey?: string;
}

/** The fields of a subscription, for building one with `Object.assign(new WebhookSubscription(), fields)`. */
export type WebhookSubscriptionFields = Omit<WebhookSubscription, 'toJSON' | 'static'>;
