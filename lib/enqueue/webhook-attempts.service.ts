import { Inject, Injectable } from '@nestjs/common';
import type { WebhookAttemptStatus } from '../core/attempts/delivery-attempt.interface';
import {
  WebhookAttemptNotFoundError,
  WebhookOperationNotAllowedError,
  WebhookValidationError,
} from '../core/errors/webhooks.errors';
import { decodeCursor, encodeCursor, pageLimit, type WebhookPage } from '../core/util/cursor.util';
import { rejectUnknownFields } from '../core/util/input-validation.util';
import { isLookupId } from '../core/util/storable-text.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { DeliveryEngine } from '../deliver/delivery.engine';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';
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
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly store: WebhookAttemptStore,
    private readonly engine: DeliveryEngine,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /**
   * Tries an attempt again now: a resolved attempt — failed or successful — or a pending one waiting for its
   * next scheduled retry goes back to pending, due now, and this instance sends it at once (another instance
   * does when delivery is off here). The try is recorded with the trigger `manual` and the same
   * `webhook-id`; it counts toward the retry policy's tries, so an attempt that used them all gets exactly
   * this one. Works for inactive subscriptions too (it is a person's decision).
   *
   * @returns The attempt as set back to pending, before the try.
   * @throws WebhookAttemptNotFoundError when there is no such attempt.
   * @throws WebhookOperationNotAllowedError when a try of it is under way right now.
   */
  async retry(id: string): Promise<WebhookDeliveryAttempt> {
    const attempt = await this.get(id);
    const rearmed = await this.store.rearm(
      attempt.id,
      this.options.clock.now(),
      () => void this.engine.claimAndEnqueue([attempt.id]),
    );
    if (!rearmed) throw new WebhookOperationNotAllowedError(attemptInFlightMessage(attempt.id));
    return this.get(attempt.id);
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
      throw new WebhookValidationError(
        'filter',
        'must be an object such as { status: "failed", since: new Date(...) }',
      );
    }
    rejectUnknownFields(filter, REPLAY_FIELDS);
    const { subscriptionId, since } = filter;
    const status = filter.status ?? 'failed';
    if (subscriptionId !== undefined && !isLookupId(subscriptionId)) {
      throw new WebhookValidationError('subscriptionId', subscriptionIdReason());
    }
    if (status !== 'failed' && status !== 'successful')
      throw new WebhookValidationError('status', replayStatusReason());
    if (since !== undefined && (!(since instanceof Date) || Number.isNaN(since.getTime()))) {
      throw new WebhookValidationError('since', dateReason());
    }
    const count = await this.store.replay(
      { subscriptionId, status, since: since?.getTime() },
      this.options.clock.now(),
      () => this.engine.wake(),
    );
    return { count };
  }

  /** A page of a subscription's attempts, newest first. */
  async list(
    subscriptionId: string,
    filter: ListWebhookAttemptsFilter = {},
  ): Promise<WebhookPage<WebhookDeliveryAttempt>> {
    const limit = pageLimit(filter.limit);
    if (filter.status !== undefined && !STATUSES.includes(filter.status)) {
      throw new WebhookValidationError('status', `must be one of ${STATUSES.join(', ')}`);
    }
    if (filter.since !== undefined && (!(filter.since instanceof Date) || Number.isNaN(filter.since.getTime()))) {
      throw new WebhookValidationError('since', 'must be a valid date');
    }
    const before = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (!isLookupId(subscriptionId)) return { items: [], nextCursor: null };
    const rows = await this.store.list(subscriptionId, {
      status: filter.status,
      since: filter.since?.getTime(),
      before,
      limit,
    });
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
    return isLookupId(id) ? this.store.find(id) : null;
  }
}
