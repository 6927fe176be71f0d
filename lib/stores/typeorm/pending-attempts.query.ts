import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { Sql } from './sql.builder';
import type { StatementResult, WebhooksDatabase } from './webhooks-database';

/** The stored pending attempts, as the testing kit reports them. */
export interface StoredPendingAttempts {
  /** Pending attempts in the table. */
  pending: number;
  /** Those due at `now` that no lease holds: the next poll claims them. */
  due: number;
  /** When the earliest one is due (for a held one, when its lease runs out). */
  nextAttemptAt: Date | null;
}

const cache = new WeakMap<WebhooksDatabase, string>();

/** Counts the pending attempts of the whole webhooks database (a read, outside any transaction). */
export async function storedPendingAttempts(db: WebhooksDatabase, now: number): Promise<StoredPendingAttempts> {
  let sql = cache.get(db);
  if (!sql) {
    const q = new Sql(db.dataSource, db.kind);
    const c = (name: string) => q.col(name);
    sql =
      `SELECT COUNT(*) AS ${c('pending')}, ` +
      `SUM(CASE WHEN ${c('next_attempt_at')} <= ${q.param(1)} AND (${c('lease_until')} IS NULL OR ${c('lease_until')} <= ${q.param(2)}) ` +
      `THEN 1 ELSE 0 END) AS ${c('due')}, MIN(${c('next_attempt_at')}) AS ${c('next_at')} ` +
      `FROM ${q.table(WebhookDeliveryAttempt)} WHERE ${c('status')} = 'pending'`;
    cache.set(db, sql);
  }
  const result: StatementResult = await db.query({ sql, params: [now, now] });
  const row = result.rows[0] ?? {};
  const next = row.next_at === null || row.next_at === undefined ? null : Number(row.next_at);
  return { pending: Number(row.pending ?? 0), due: Number(row.due ?? 0), nextAttemptAt: next === null ? null : new Date(next) };
}
