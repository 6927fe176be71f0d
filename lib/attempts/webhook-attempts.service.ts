import { Injectable } from '@nestjs/common';
import { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import { WebhookAttemptNotFoundError, WebhookValidationError } from '../errors/webhooks.errors';
import type { WebhookAttemptStatus } from '../interfaces/delivery-attempt.interface';
import type { WebhookPage } from '../interfaces/subscription-input.interface';
import { WebhooksDatabase } from '../persistence/webhooks-database';
import { isTransientId } from '../subscriptions/transient-subscriptions.store';
import { decodeCursor, encodeCursor, pageLimit } from '../utils/cursor';
import { TransientAttempts } from '../delivery/transient-attempts.store';

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

const STATUSES: readonly WebhookAttemptStatus[] = ['pending', 'successful', 'failed'];

/** Reads the delivery history: a subscription's attempts, newest first, and single attempts. */
@Injectable()
export class WebhookAttempts {
  constructor(
    private readonly db: WebhooksDatabase,
    private readonly transient: TransientAttempts,
  ) {}

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
    if (typeof id !== 'string' || id.length > 64) return null;
    const transient = this.transient.get(id);
    if (transient) return transient;
    const query = this.db.select(WebhookDeliveryAttempt, 'a').where('a.id = :id', { id });
    return this.db.hydrate(WebhookDeliveryAttempt, 'a', (await this.db.query(query)).rows)[0] ?? null;
  }
}
