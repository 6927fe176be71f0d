import { Inject, Injectable } from '@nestjs/common';
import { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import { WebhookAttemptNotFoundError, WebhookOperationNotAllowedError, WebhookValidationError } from '../core/errors/webhooks.errors';
import type { WebhookAttemptStatus } from '../core/attempts/delivery-attempt.interface';
import type { WebhookPage } from '../match/subscriptions/subscription-input.interface';
import { TransactionHooks } from '../stores/typeorm/transaction-hooks.subscriber';
import { WebhooksDatabase } from '../stores/typeorm/webhooks-database';
import { isTransientId, TransientSubscriptions } from '../match/subscriptions/transient-subscriptions.store';
import { rejectUnknownFields } from '../match/subscriptions/subscription-input.validation';
import { decodeCursor, encodeCursor, pageLimit } from '../core/util/cursor.util';
import { isLookupId } from '../core/util/storable-text.util';
import { AttemptStore } from '../stores/typeorm/attempt.store';
import { DeliveryEngine } from '../deliver/delivery.engine';
import { TransientAttempts } from '../deliver/transient-attempts.store';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { attemptInFlightMessage, dateReason, replayStatusReason, subscriptionIdReason } from './attempts.messages';

/** Filters of {@link WebhookAttempts.list}. */
export interface ListWebhookAttemptsFilter {
  /** Only attempts in this state. */
  status?: WebhookAttemptStatus;
  /** Only attempts created at or after this time. */
  since?: Date;
  /**
   * Page size.
   * @default 50 (at most 500)
   */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** Filters of {@link WebhookAttempts.replay}. */
export interface ReplayWebhookAttemptsFilter {
  /**
   * Only this subscription's attempts (even when it is inactive).
   * @default undefined (every active subscription's)
   */
  subscriptionId?: string;
  /**
   * Replay the attempts that ended so.
   * @default 'failed'
   */
  status?: 'failed' | 'successful';
  /**
   * Only attempts created at or after this time.
   * @default undefined (all kept attempts)
   */
  since?: Date;
}

const STATUSES: readonly WebhookAttemptStatus[] = ['pending', 'successful', 'failed'];
const REPLAY_FIELDS = ['subscriptionId', 'status', 'since'];

/**
 * Reads the delivery history (a subscription's attempts, newest first, and single attempts) and sends
 * attempts again by hand: one at once ({@link retry}) or all those matching a filter ({@link replay}).
 */
@Injectable()
export class WebhookAttempts {
  constructor(
    private readonly db: WebhooksDatabase,
    private readonly transient: TransientAttempts,
    private readonly store: AttemptStore,
    private readonly engine: DeliveryEngine,
    private readonly hooks: TransactionHooks,
    private readonly transientSubscriptions: TransientSubscriptions,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /**
   * Tries an attempt again now (the seed's "retry a failed request"): a resolved attempt — failed or
   * successful — or a pending one waiting for its next scheduled retry goes back to pending, due now, and
   * this instance sends it at once (another instance does when delivery is off here). The try is
   * recorded with the trigger `manual` and the same `webhook-id`; it counts toward the retry policy's
   * tries, so an attempt that used them all gets exactly this one. Works for static in-memory
   * subscriptions too, and for inactive subscriptions (it is a person's decision).
   *
   * @returns The attempt as set back to pending, before the try.
   * @throws WebhookAttemptNotFoundError when there is no such attempt.
   * @throws WebhookOperationNotAllowedError when a try of it is under way right now.
   */
  async retry(id: string): Promise<WebhookDeliveryAttempt> {
    const attempt = await this.get(id);
    const now = this.options.clock.now();
    if (isTransientId(attempt.subscriptionId)) return this.retryTransient(attempt, now);
    const runner = this.db.transactionRunner();
    if (!(await this.db.run(() => this.store.rearm(attempt.id, now)))) {
      throw new WebhookOperationNotAllowedError(attemptInFlightMessage(attempt.id));
    }
    const rearmed = await this.get(attempt.id);
    if (runner) this.hooks.afterCommit(runner, () => void this.engine.claimAndEnqueue([attempt.id]));
    else await this.engine.claimAndEnqueue([attempt.id]);
    return rearmed;
  }

  /**
   * Sends again every attempt matching the filter (Svix's "recover"): failed ones by default, of one
   * subscription or of every active one, created since a time. Each goes back to pending, due now, keeps
   * its `webhook-id`, and gets one more try (trigger `manual`), sent by the poller of any instance.
   *
   * @returns How many attempts were set to be sent again.
   * @throws WebhookValidationError naming the filter field at fault.
   */
  async replay(filter: ReplayWebhookAttemptsFilter = {}): Promise<{ count: number }> {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
      throw new WebhookValidationError('filter', 'must be an object such as { status: "failed", since: new Date(...) }');
    }
    rejectUnknownFields(filter, REPLAY_FIELDS);
    const { subscriptionId, since } = filter;
    const status = filter.status ?? 'failed';
    if (subscriptionId !== undefined && !isLookupId(subscriptionId)) {
      throw new WebhookValidationError('subscriptionId', subscriptionIdReason());
    }
    if (status !== 'failed' && status !== 'successful') throw new WebhookValidationError('status', replayStatusReason());
    if (since !== undefined && (!(since instanceof Date) || Number.isNaN(since.getTime()))) {
      throw new WebhookValidationError('since', dateReason());
    }
    const now = this.options.clock.now();
    let count = 0;
    if (subscriptionId === undefined || isTransientId(subscriptionId)) {
      const subscriptions =
        subscriptionId === undefined
          ? this.transientSubscriptions.all().filter((s) => s.active)
          : [this.transientSubscriptions.get(subscriptionId)].filter((s) => s !== undefined);
      for (const subscription of subscriptions) {
        for (const attempt of this.transient.list(subscription.id)) {
          if (attempt.status !== status || (since !== undefined && attempt.createdAt < since)) continue;
          this.retryTransient(attempt, now);
          count++;
        }
      }
    }
    if (subscriptionId === undefined || !isTransientId(subscriptionId)) {
      const runner = this.db.transactionRunner();
      count += await this.db.run(() => this.store.replay({ subscriptionId, status, since: since?.getTime() }, now));
      this.hooks.afterCommit(runner, () => this.engine.wake());
    }
    return { count };
  }

  private retryTransient(attempt: WebhookDeliveryAttempt, now: number): WebhookDeliveryAttempt {
    if (attempt.status === 'pending' && !this.engine.hasScheduledTransient(attempt.id)) {
      throw new WebhookOperationNotAllowedError(attemptInFlightMessage(attempt.id));
    }
    const subscription = this.transientSubscriptions.get(attempt.subscriptionId);
    if (!subscription) throw new WebhookAttemptNotFoundError(attempt.id);
    const rearmed: WebhookDeliveryAttempt = Object.assign(Object.create(Object.getPrototypeOf(attempt) as object), attempt, {
      status: 'pending',
      nextAttemptAt: new Date(now),
      nextTrigger: 'manual',
      resolvedAt: null,
    } satisfies Partial<WebhookDeliveryAttempt>);
    this.transient.replace(rearmed);
    this.engine.sendTransientNow({ attempt: rearmed, subscription, leaseToken: null, leaseUntil: 0, trigger: 'manual' });
    return rearmed;
  }

  /** A page of a subscription's attempts, newest first. */
  async list(subscriptionId: string, filter: ListWebhookAttemptsFilter = {}): Promise<WebhookPage<WebhookDeliveryAttempt>> {
    const limit = pageLimit(filter.limit);
    if (filter.status !== undefined && !STATUSES.includes(filter.status)) {
      throw new WebhookValidationError('status', `must be one of ${STATUSES.join(', ')}`);
    }
    if (filter.since !== undefined && (!(filter.since instanceof Date) || Number.isNaN(filter.since.getTime()))) {
      throw new WebhookValidationError('since', 'must be a valid date');
    }
    const before = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (!isLookupId(subscriptionId)) return { items: [], nextCursor: null };
    if (isTransientId(subscriptionId)) {
      const items = this.transient
        .list(subscriptionId)
        .reverse()
        .filter(
          (a) =>
            (!filter.status || a.status === filter.status) &&
            (!filter.since || a.createdAt >= filter.since) &&
            (before === undefined || a.id < before),
        );
      return { items: items.slice(0, limit), nextCursor: items.length > limit ? encodeCursor(items[limit - 1].id) : null };
    }
    const query = this.db
      .select(WebhookDeliveryAttempt, 'a')
      .where('a.subscription_id = :subscriptionId', { subscriptionId })
      .orderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (filter.status) query.andWhere('a.status = :status', { status: filter.status });
    if (filter.since) query.andWhere('a.created_at >= :since', { since: filter.since.getTime() });
    if (before !== undefined) query.andWhere('a.id < :before', { before });
    const rows = this.db.hydrate(WebhookDeliveryAttempt, 'a', (await this.db.query(query)).rows);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
  }

  /** One attempt; throws {@link WebhookAttemptNotFoundError} when there is none. */
  async get(id: string): Promise<WebhookDeliveryAttempt> {
    const attempt = await this.find(id);
    if (!attempt) throw new WebhookAttemptNotFoundError(String(id));
    return attempt;
  }

  /** One attempt, or `null`. */
  async find(id: string): Promise<WebhookDeliveryAttempt | null> {
    if (!isLookupId(id)) return null;
    const transient = this.transient.get(id);
    if (transient) return transient;
    const query = this.db.select(WebhookDeliveryAttempt, 'a').where('a.id = :id', { id });
    return this.db.hydrate(WebhookDeliveryAttempt, 'a', (await this.db.query(query)).rows)[0] ?? null;
  }
}
