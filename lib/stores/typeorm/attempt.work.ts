import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { chunks } from '../../core/util/chunks.util';
import { ATTEMPT_COLUMNS, AttemptTableWork } from './attempt-table.work';
import { idsOf } from './unit-of-work';
import type { Work } from './webhooks.database';

/** The columns a try's result rewrites: all but those fixed when the event was raised. */
const RESULT_COLUMNS = ATTEMPT_COLUMNS.filter(
  (c) =>
    !['id', 'subscription_id', 'message_id', 'event', 'scope', 'created_at', 'trace_context', 'ordering_key'].includes(
      c,
    ),
);

/** The length of the `message` column. */
const MESSAGE_LENGTH = 512;

/** Rows per multi-row INSERT: well under every database's parameter limit. */
const INSERT_CHUNK = 200;

/** Results per batched UPDATE on PostgreSQL. */
const RECORD_CHUNK = 200;

/** How each column is cast from the text of a VALUES list on PostgreSQL. */
const POSTGRES_CASTS: Partial<Record<(typeof ATTEMPT_COLUMNS)[number], string>> = {
  created_at: '::bigint',
  request: '::json',
  response: '::json',
  internal_info: '::json',
  tries: '::json',
  attempt_count: '::int',
  next_attempt_at: '::bigint',
  lease_until: '::bigint',
  resolved_at: '::bigint',
};

/**
 * The outbox's writes: inserting the pending attempts of an event (in the caller's transaction), and writing
 * the results of tries, fenced by the lease token. Leases, history and failure counts have units of work of
 * their own (attempt-lease.work.ts, attempt-history.work.ts, failure-count.work.ts).
 */
export class AttemptWork extends AttemptTableWork {
  /**
   * Inserts pending attempts; with `ignoreDuplicates`, ones whose (message, subscription) exists are skipped.
   * Attempts of subscriptions that no longer exist are left out, and the others' subscriptions are held
   * (share-locked) until commit: a subscription deleted between matching and this insert would otherwise
   * fail the foreign key, and with it the transaction of the code that raised the event. Returns the
   * attempts that were written (or skipped as duplicates).
   */
  *insert(rows: readonly WebhookDeliveryAttempt[], ignoreDuplicates: boolean): Work<WebhookDeliveryAttempt[]> {
    if (this.db.kind === 'postgres') return yield* this.insertHolding(rows, ignoreDuplicates);
    const live = yield* this.holdSubscriptions([...new Set(rows.map((row) => row.subscriptionId))]);
    const kept = rows.filter((row) => live.has(row.subscriptionId));
    // Rows skipped as duplicates are not among those written (only dispatches with an explicit id skip any).
    const existing = ignoreDuplicates ? yield* this.storedIds(kept) : new Set<string>();
    for (const chunk of chunks(kept, INSERT_CHUNK)) {
      const sql = this.cached(`insert:${chunk.length}:${ignoreDuplicates}`, () =>
        this.sql.insert(WebhookDeliveryAttempt, ATTEMPT_COLUMNS, chunk.length, ignoreDuplicates),
      );
      yield { sql, params: chunk.flatMap((row) => this.values(row)) };
    }
    if (!ignoreDuplicates) return [...kept];
    const stored = yield* this.storedIds(kept);
    return kept.filter((row) => stored.has(row.id) && !existing.has(row.id));
  }

  private *storedIds(rows: readonly WebhookDeliveryAttempt[]): Work<Set<string>> {
    const ids = new Set<string>();
    for (const chunk of chunks(rows, 500)) {
      const sql = `SELECT ${this.sql.col('id')} AS id FROM ${this.attempts} WHERE ${this.sql.col('id')} IN (${this.sql.params(1, chunk.length)})`;
      for (const id of idsOf(yield { sql, params: chunk.map((r) => r.id) })) ids.add(id);
    }
    return ids;
  }

  /**
   * PostgreSQL: the same in one statement per chunk — each row is inserted only if its subscription still
   * exists, which `FOR KEY SHARE` keeps true until commit (a delete in progress is waited for, and its row
   * is then left out) — so a dispatch costs one round trip, not two.
   */
  private *insertHolding(
    rows: readonly WebhookDeliveryAttempt[],
    ignoreDuplicates: boolean,
  ): Work<WebhookDeliveryAttempt[]> {
    const inserted = new Set<string>();
    for (const chunk of chunks(rows, INSERT_CHUNK)) {
      const sql = this.cached(`insert-holding:${chunk.length}:${ignoreDuplicates}`, () => {
        const c = (name: string) => this.sql.col(name);
        const tuples = Array.from(
          { length: chunk.length },
          (_, r) => `(${this.sql.params(r * ATTEMPT_COLUMNS.length + 1, ATTEMPT_COLUMNS.length)})`,
        ).join(', ');
        const selected = ATTEMPT_COLUMNS.map((name) => `v.${c(name)}${POSTGRES_CASTS[name] ?? ''}`).join(', ');
        return (
          `INSERT INTO ${this.attempts} (${ATTEMPT_COLUMNS.map(c).join(', ')}) SELECT ${selected} FROM (VALUES ${tuples}) AS v(${ATTEMPT_COLUMNS.map(c).join(', ')}) ` +
          `WHERE EXISTS (SELECT 1 FROM ${this.subscriptions} s WHERE s.${c('id')} = v.${c('subscription_id')} FOR KEY SHARE)` +
          `${ignoreDuplicates ? ' ON CONFLICT DO NOTHING' : ''} RETURNING ${c('id')} AS id`
        );
      });
      for (const id of idsOf(yield { sql, params: chunk.flatMap((row) => this.values(row)) })) inserted.add(id);
    }
    return rows.filter((row) => inserted.has(row.id));
  }

  /** The ids among `ids` of subscriptions that exist, share-locked until commit so that they stay. */
  private *holdSubscriptions(ids: readonly string[]): Work<Set<string>> {
    const live = new Set<string>();
    for (const chunk of chunks(ids, 500)) {
      const sql = this.cached(
        `hold:${chunk.length}`,
        () =>
          `SELECT ${this.sql.col('id')} AS id FROM ${this.subscriptions} WHERE ${this.sql.col('id')} IN (${this.sql.params(1, chunk.length)})${this.sql.shareLock}`,
      );
      for (const id of idsOf(yield { sql, params: [...chunk] })) live.add(id);
    }
    return live;
  }

  /**
   * Writes the outcome of a try, but only while `leaseToken` still holds the attempt: a run whose lease
   * was taken over writes nothing (returns false).
   */
  *record(attempt: WebhookDeliveryAttempt, leaseToken: string): Work<boolean> {
    const sql = this.cached('record', () => {
      const sets = RESULT_COLUMNS.map((c, i) => `${this.sql.col(c)} = ${this.sql.param(i + 1)}`).join(', ');
      const n = RESULT_COLUMNS.length;
      return `UPDATE ${this.attempts} SET ${sets} WHERE ${this.sql.col('id')} = ${this.sql.param(n + 1)} AND ${this.sql.col('lease_owner')} = ${this.sql.param(n + 2)}`;
    });
    const row = this.values(attempt);
    const params = RESULT_COLUMNS.map((c) => row[ATTEMPT_COLUMNS.indexOf(c)]);
    return (yield { sql, params: [...params, attempt.id, leaseToken] }).affected > 0;
  }

  /**
   * Writes the outcomes of several tries, each only while its lease token still holds the attempt; returns
   * the ids written. On PostgreSQL one statement writes them all (`UPDATE … FROM (VALUES …)`); elsewhere
   * they are written one by one inside the unit of work (on SQLite that costs microseconds each).
   */
  *recordMany(results: ReadonlyArray<{ attempt: WebhookDeliveryAttempt; leaseToken: string }>): Work<Set<string>> {
    const written = new Set<string>();
    if (this.db.kind !== 'postgres') {
      for (const { attempt, leaseToken } of results)
        if (yield* this.record(attempt, leaseToken)) written.add(attempt.id);
      return written;
    }
    for (const chunk of chunks(results, RECORD_CHUNK)) {
      const sql = this.cached(`record-many:${chunk.length}`, () => this.recordManySql(chunk.length));
      const params = chunk.flatMap(({ attempt, leaseToken }) => {
        const row = this.values(attempt);
        return [attempt.id, leaseToken, ...RESULT_COLUMNS.map((c) => row[ATTEMPT_COLUMNS.indexOf(c)])];
      });
      for (const id of idsOf(yield { sql, params })) written.add(id);
    }
    return written;
  }

  private recordManySql(rows: number): string {
    const c = (name: string) => this.sql.col(name);
    const width = RESULT_COLUMNS.length + 2;
    const tuples = Array.from({ length: rows }, (_, r) => `(${this.sql.params(r * width + 1, width)})`).join(', ');
    // VALUES parameters arrive as text: each column is cast to its type where it is used.
    const sets = RESULT_COLUMNS.map((name) => `${c(name)} = v.${c(name)}${POSTGRES_CASTS[name] ?? ''}`).join(', ');
    const names = ['id', 'token', ...RESULT_COLUMNS].map(c).join(', ');
    return (
      `UPDATE ${this.attempts} AS a SET ${sets} FROM (VALUES ${tuples}) AS v(${names}) ` +
      `WHERE a.${c('id')} = v.${c('id')} AND a.${c('lease_owner')} = v.${c('token')} RETURNING a.${c('id')} AS id`
    );
  }

  private values(row: WebhookDeliveryAttempt): unknown[] {
    return [
      row.id,
      row.subscriptionId,
      row.messageId,
      row.event,
      row.scope,
      row.status,
      // The column holds 512 characters; the try's full message stays in `tries`.
      row.message !== null && row.message.length > MESSAGE_LENGTH
        ? `${row.message.slice(0, MESSAGE_LENGTH - 1)}…`
        : row.message,
      this.sql.json(row.request),
      this.sql.json(row.response),
      this.sql.json(row.internalInfo),
      this.sql.json(row.tries),
      row.attemptCount,
      row.nextAttemptAt ? row.nextAttemptAt.getTime() : null,
      row.nextTrigger ?? null,
      row.leaseOwner,
      row.leaseUntil,
      row.createdAt.getTime(),
      row.resolvedAt ? row.resolvedAt.getTime() : null,
      row.traceContext ?? null,
      row.orderingKey ?? null,
    ];
  }
}
