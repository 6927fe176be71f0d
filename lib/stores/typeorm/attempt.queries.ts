import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type { AttemptListQuery, DueBacklog, PendingAttemptsSummary } from '../attempt-store.interface';
import { Sql } from './sql.builder';
import type { WebhooksDatabase } from './webhooks.database';

/** The reads of the delivery history: one attempt, a subscription's attempts newest first, the pending count. */
export class AttemptQueries {
  private pendingSql?: string;
  private backlogSql?: string;

  constructor(private readonly db: WebhooksDatabase) {}

  async find(id: string): Promise<WebhookDeliveryAttempt | null> {
    const query = this.db.select(WebhookDeliveryAttempt, 'a').where('a.id = :id', { id });
    return this.db.hydrate(WebhookDeliveryAttempt, 'a', (await this.db.query(query)).rows)[0] ?? null;
  }

  async list(subscriptionId: string, filter: AttemptListQuery): Promise<WebhookDeliveryAttempt[]> {
    const query = this.db
      .select(WebhookDeliveryAttempt, 'a')
      .where('a.subscription_id = :subscriptionId', { subscriptionId })
      .orderBy('a.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.status) query.andWhere('a.status = :status', { status: filter.status });
    if (filter.since !== undefined) query.andWhere('a.created_at >= :since', { since: filter.since });
    if (filter.before !== undefined) query.andWhere('a.id < :before', { before: filter.before });
    return this.db.hydrate(WebhookDeliveryAttempt, 'a', (await this.db.query(query)).rows);
  }

  /** Counts the pending attempts of the whole table (a read, outside any transaction). */
  async pendingSummary(now: number): Promise<PendingAttemptsSummary> {
    if (!this.pendingSql) {
      const q = new Sql(this.db.dataSource, this.db.kind);
      const c = (name: string) => q.col(name);
      this.pendingSql =
        `SELECT COUNT(*) AS ${c('pending')}, ` +
        `SUM(CASE WHEN ${c('next_attempt_at')} <= ${q.param(1)} AND (${c('lease_until')} IS NULL OR ${c('lease_until')} <= ${q.param(2)}) ` +
        `THEN 1 ELSE 0 END) AS ${c('due')}, MIN(${c('next_attempt_at')}) AS ${c('next_at')} ` +
        `FROM ${q.table(WebhookDeliveryAttempt)} WHERE ${c('status')} = 'pending'`;
    }
    const { rows } = await this.db.query({ sql: this.pendingSql, params: [now, now] });
    const row = (rows[0] ?? {}) as { pending?: unknown; due?: unknown; next_at?: unknown };
    const next = row.next_at === null || row.next_at === undefined ? null : Number(row.next_at);
    return {
      pending: Number(row.pending ?? 0),
      due: Number(row.due ?? 0),
      nextAttemptAt: next === null ? null : new Date(next),
    };
  }

  /** Counts the due attempts no lease holds, and the oldest due time: a range of the (status, next_attempt_at) index. */
  async dueBacklog(now: number): Promise<DueBacklog> {
    if (!this.backlogSql) {
      const q = new Sql(this.db.dataSource, this.db.kind);
      const c = (name: string) => q.col(name);
      this.backlogSql =
        `SELECT COUNT(*) AS ${c('due')}, MIN(${c('next_attempt_at')}) AS ${c('oldest')} ` +
        `FROM ${q.table(WebhookDeliveryAttempt)} WHERE ${c('status')} = 'pending' AND ${c('next_attempt_at')} <= ${q.param(1)} ` +
        `AND (${c('lease_until')} IS NULL OR ${c('lease_until')} <= ${q.param(2)})`;
    }
    const { rows } = await this.db.query({ sql: this.backlogSql, params: [now, now] });
    const row = (rows[0] ?? {}) as { due?: unknown; oldest?: unknown };
    const due = Number(row.due ?? 0);
    return { due, oldestDueAt: due === 0 || row.oldest == null ? null : new Date(Number(row.oldest)) };
  }
}
