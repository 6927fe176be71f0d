import { chunks } from '../../core/util/chunks.util';
import { AttemptTableWork } from './attempt-table.work';
import { idsOf } from './unit-of-work';
import type { Work } from './webhooks.database';

/**
 * The delivery history: trimming each subscription's resolved attempts to the limit, and setting resolved
 * attempts back to pending for a manual retry or a replay.
 */
export class AttemptHistoryWork extends AttemptTableWork {
  /**
   * Keeps at most `limit` resolved attempts per subscription, dropping the oldest; pending ones are never
   * dropped. Returns how many were deleted.
   */
  *trim(subscriptionIds: readonly string[], limit: number): Work<number> {
    const c = (name: string) => this.sql.col(name);
    let deleted = 0;
    for (const chunk of chunks(subscriptionIds, 500)) {
      // Rank each subscription's resolved attempts newest first; those past the limit go.
      const ranked =
        `SELECT ${c('id')} FROM (SELECT ${c('id')}, ROW_NUMBER() OVER (PARTITION BY ${c('subscription_id')} ORDER BY ${c('id')} DESC) AS ${c('position')} ` +
        `FROM ${this.attempts} WHERE ${c('subscription_id')} IN (${this.sql.params(1, chunk.length)}) ` +
        `AND ${c('status')} IN ('successful', 'failed')) ${c('ranked')} WHERE ${c('position')} > ${this.sql.param(chunk.length + 1)}`;
      if (this.db.kind !== 'mysql') {
        deleted += (yield {
          sql: `DELETE FROM ${this.attempts} WHERE ${c('id')} IN (${ranked})`,
          params: [...chunk, limit],
        }).affected;
        continue;
      }
      // MySQL would lock every row its DELETE scans — outbox rows other transactions are inserting among
      // them, whose foreign-key check waits on the subscription row this transaction updated: a deadlock.
      // A plain read first, then deleting by primary key, locks only the rows deleted.
      const ids = idsOf(yield { sql: ranked, params: [...chunk, limit] });
      for (const idChunk of chunks(ids, 500)) {
        deleted += (yield {
          sql: `DELETE FROM ${this.attempts} WHERE ${c('id')} IN (${this.sql.params(1, idChunk.length)})`,
          params: idChunk,
        }).affected;
      }
    }
    return deleted;
  }

  /**
   * Deletes at most `limit` attempts resolved before `resolvedBefore`, oldest first (a range of the
   * `resolved_at` index), in one statement that locks only the rows it deletes. The status and the age are
   * checked again on the rows deleted: an attempt set back to pending between the read and the delete
   * (a manual retry) is left alone. Returns how many went.
   */
  *trimResolvedBefore(resolvedBefore: number, limit: number): Work<number> {
    const c = (name: string) => this.sql.col(name);
    const resolved = (i: number) =>
      `${c('status')} IN ('successful', 'failed') AND ${c('resolved_at')} < ${this.sql.param(i)}`;
    // The limit is a whole number checked by the options, written inline: not every driver takes LIMIT ?.
    const oldest =
      `SELECT ${c('id')} FROM ${this.attempts} WHERE ${resolved(1)} ` +
      `ORDER BY ${c('resolved_at')} LIMIT ${Math.max(1, Math.floor(limit))}`;
    if (this.db.kind !== 'mysql') {
      return (yield {
        sql: `DELETE FROM ${this.attempts} WHERE ${c('id')} IN (${oldest}) AND ${resolved(2)}`,
        params: [resolvedBefore, resolvedBefore],
      }).affected;
    }
    // MySQL refuses a LIMIT in an IN subquery on the table deleted from, and would lock every row such a
    // DELETE scans; a plain read first, then deleting by primary key, locks only the rows deleted.
    const ids = idsOf(yield { sql: oldest, params: [resolvedBefore] });
    if (ids.length === 0) return 0;
    return (yield {
      sql: `DELETE FROM ${this.attempts} WHERE ${c('id')} IN (${this.sql.params(1, ids.length)}) AND ${resolved(ids.length + 1)}`,
      params: [...ids, resolvedBefore],
    }).affected;
  }

  /**
   * Sets a resolved attempt (or a pending one nobody holds, waiting for its retry) back to pending, due
   * at `now`, its next try marked `manual`. Returns whether it changed: false when the attempt is being
   * sent right now or does not exist.
   */
  *rearm(id: string, now: number): Work<boolean> {
    const c = (name: string) => this.sql.col(name);
    const p = (i: number) => this.sql.param(i);
    const sql = this.cached(
      'rearm',
      () =>
        `UPDATE ${this.attempts} SET ${c('status')} = 'pending', ${c('next_attempt_at')} = ${p(1)}, ${c('next_trigger')} = 'manual', ` +
        `${c('lease_owner')} = NULL, ${c('lease_until')} = NULL, ${c('resolved_at')} = NULL WHERE ${c('id')} = ${p(2)} ` +
        `AND (${c('status')} IN ('successful', 'failed') OR ${c('lease_owner')} IS NULL OR ${c('lease_until')} <= ${p(3)})`,
    );
    return (yield { sql, params: [now, id, now] }).affected > 0;
  }

  /**
   * Sets the resolved attempts with `status` matching the filter back to pending, due at `now`, their next
   * try marked `manual`; without a subscription, only attempts of active subscriptions. Returns how many.
   */
  *replay(
    filter: { subscriptionId?: string; status: 'failed' | 'successful'; since?: number },
    now: number,
  ): Work<number> {
    const c = (name: string) => this.sql.col(name);
    const params: unknown[] = [now, filter.status];
    const p = (value: unknown) => {
      params.push(value);
      return this.sql.param(params.length);
    };
    let where = `${c('status')} = ${this.sql.param(2)}`;
    if (filter.subscriptionId !== undefined) where += ` AND ${c('subscription_id')} = ${p(filter.subscriptionId)}`;
    else
      where += ` AND ${c('subscription_id')} IN (SELECT ${c('id')} FROM ${this.subscriptions} WHERE ${c('active')} = ${p(true)})`;
    if (filter.since !== undefined) where += ` AND ${c('created_at')} >= ${p(filter.since)}`;
    const sql =
      `UPDATE ${this.attempts} SET ${c('status')} = 'pending', ${c('next_attempt_at')} = ${this.sql.param(1)}, ` +
      `${c('next_trigger')} = 'manual', ${c('lease_owner')} = NULL, ${c('lease_until')} = NULL, ${c('resolved_at')} = NULL WHERE ${where}`;
    return (yield { sql, params }).affected;
  }
}
