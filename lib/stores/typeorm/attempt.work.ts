import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { Sql } from './sql.builder';
import { type WebhooksDatabase, type Work } from './webhooks.database';
import { idsOf } from './unit-of-work';
import { chunks } from '../../core/util/chunks.util';

/** The columns of an attempt row, in the order the statements below bind them. */
const COLUMNS = [
  'id',
  'subscription_id',
  'message_id',
  'event',
  'scope',
  'status',
  'message',
  'request',
  'response',
  'internal_info',
  'tries',
  'attempt_count',
  'next_attempt_at',
  'next_trigger',
  'lease_owner',
  'lease_until',
  'created_at',
  'resolved_at',
] as const;

/** The columns a try's result rewrites: all but those fixed when the event was raised. */
const RESULT_COLUMNS = COLUMNS.filter(
  (c) => !['id', 'subscription_id', 'message_id', 'event', 'scope', 'created_at'].includes(c),
);

/** The length of the `message` column. */
const MESSAGE_LENGTH = 512;

/** Rows per multi-row INSERT: well under every database's parameter limit. */
const INSERT_CHUNK = 200;

/** Results per batched UPDATE on PostgreSQL. */
const RECORD_CHUNK = 200;

/** How each result column is cast from the text of a VALUES list on PostgreSQL. */
const POSTGRES_CASTS: Partial<Record<(typeof COLUMNS)[number], string>> = {
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
 * The outbox table's units of work: inserting pending attempts, claiming due ones under a lease, writing
 * results fenced by the lease token, trimming history. Hand-written SQL, each shape built once and reused:
 * these run for every event and every try.
 */
export class AttemptWork {
  private readonly sql: Sql;
  private readonly statements = new Map<string, string>();
  private tables?: { attempts: string; subscriptions: string };

  constructor(private readonly db: WebhooksDatabase) {
    this.sql = new Sql(db.dataSource, db.kind);
  }

  // Resolved on first use: at construction the data source may lack the entities, which the initializer
  // reports with a message saying how to fix it.
  private get attempts(): string {
    return (this.tables ??= this.resolveTables()).attempts;
  }

  private get subscriptions(): string {
    return (this.tables ??= this.resolveTables()).subscriptions;
  }

  private resolveTables() {
    return { attempts: this.sql.table(WebhookDeliveryAttempt), subscriptions: this.sql.table(WebhookSubscription) };
  }

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
        this.sql.insert(WebhookDeliveryAttempt, COLUMNS, chunk.length, ignoreDuplicates),
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

  /** The ids among `ids` of subscriptions that exist, share-locked until commit so that they stay. */
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
          (_, r) => `(${this.sql.params(r * COLUMNS.length + 1, COLUMNS.length)})`,
        ).join(', ');
        const selected = COLUMNS.map((name) => `v.${c(name)}${POSTGRES_CASTS[name] ?? ''}`).join(', ');
        return (
          `INSERT INTO ${this.attempts} (${COLUMNS.map(c).join(', ')}) SELECT ${selected} FROM (VALUES ${tuples}) AS v(${COLUMNS.map(c).join(', ')}) ` +
          `WHERE EXISTS (SELECT 1 FROM ${this.subscriptions} s WHERE s.${c('id')} = v.${c('subscription_id')} FOR KEY SHARE)` +
          `${ignoreDuplicates ? ' ON CONFLICT DO NOTHING' : ''} RETURNING ${c('id')} AS id`
        );
      });
      for (const id of idsOf(yield { sql, params: chunk.flatMap((row) => this.values(row)) })) inserted.add(id);
    }
    return rows.filter((row) => inserted.has(row.id));
  }

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
    const params = RESULT_COLUMNS.map((c) => row[COLUMNS.indexOf(c)]);
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
        return [attempt.id, leaseToken, ...RESULT_COLUMNS.map((c) => row[COLUMNS.indexOf(c)])];
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

  /**
   * Claims up to `limit` due attempts that nobody holds (skipping rows other instances are claiming right
   * now) and returns them. A held attempt is due again when its lease runs out, so attempts of a crashed
   * instance come back by themselves. Attempts of a paused subscription (throttled target) wait.
   */
  *claimDue(now: number, limit: number, token: string, leaseUntil: number): Work<WebhookDeliveryAttempt[]> {
    const select = this.cached('claim:select', () => {
      const c = (name: string) => this.sql.col(name);
      const p = (i: number) => this.sql.param(i);
      return (
        `SELECT a.${c('id')} FROM ${this.attempts} a WHERE a.${c('status')} = 'pending' AND a.${c('next_attempt_at')} <= ${p(1)} ` +
        `AND (a.${c('lease_until')} IS NULL OR a.${c('lease_until')} <= ${p(2)}) ` +
        `AND NOT EXISTS (SELECT 1 FROM ${this.subscriptions} s WHERE s.${c('id')} = a.${c('subscription_id')} AND s.${c('paused_until')} > ${p(3)}) ` +
        `ORDER BY a.${c('next_attempt_at')} LIMIT ${p(4)}${this.sql.skipLocked}`
      );
    });
    const ids = idsOf(yield { sql: select, params: [now, now, now, limit] });
    if (ids.length === 0) return [];
    return yield* this.lease(ids, token, leaseUntil, null, now);
  }

  /**
   * Claims the given attempts if they are pending and nobody holds them (or `heldBy` holds them), and
   * returns the ones claimed.
   */
  *claim(
    ids: readonly string[],
    token: string,
    leaseUntil: number,
    now: number,
    heldBy: string | null = null,
  ): Work<WebhookDeliveryAttempt[]> {
    return yield* this.lease(ids, token, leaseUntil, heldBy, now);
  }

  /**
   * Extends the leases of the attempts this instance holds (waiting in its queue or in flight), each
   * while its token still holds it.
   *
   * The rows are found by primary key. Looking them up by token scanned every pending row: slow with a
   * backlog, and on MySQL/MariaDB (REPEATABLE READ) it locked them all and the gaps between them, so that
   * it waited for the uncommitted outbox rows of application transactions and deadlocked with their next
   * insert — and InnoDB rolled the application's transaction back.
   */
  *renew(held: ReadonlyArray<{ id: string; token: string }>, leaseUntil: number): Work<number> {
    const c = (name: string) => this.sql.col(name);
    let renewed = 0;
    for (const chunk of chunks(held, 500)) {
      const tokens = [...new Set(chunk.map((entry) => entry.token))];
      const sql =
        `UPDATE ${this.attempts} SET ${c('lease_until')} = ${this.sql.param(1)}, ${c('next_attempt_at')} = ${this.sql.param(2)} ` +
        `WHERE ${c('id')} IN (${this.sql.params(3, chunk.length)}) AND ${c('status')} = 'pending' ` +
        `AND ${c('lease_owner')} IN (${this.sql.params(3 + chunk.length, tokens.length)})`;
      renewed += (yield { sql, params: [leaseUntil, leaseUntil, ...chunk.map((entry) => entry.id), ...tokens] })
        .affected;
    }
    return renewed;
  }

  /** Gives attempts back (due at `now`) that this instance held but will not send (shutdown). */
  *release(held: ReadonlyArray<{ id: string; token: string }>, now: number): Work<void> {
    const c = (name: string) => this.sql.col(name);
    const sql = this.cached(
      'release',
      () =>
        `UPDATE ${this.attempts} SET ${c('lease_owner')} = NULL, ${c('lease_until')} = NULL, ${c('next_attempt_at')} = ${this.sql.param(1)} ` +
        `WHERE ${c('id')} = ${this.sql.param(2)} AND ${c('lease_owner')} = ${this.sql.param(3)} AND ${c('status')} = 'pending'`,
    );
    for (const { id, token } of held) yield { sql, params: [now, id, token] };
  }

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
   * Applies a batch's outcomes to the subscriptions' consecutive-failure counts and returns the ids of the
   * active ones that reached `limit`. `outcomes` maps a subscription id to its results in order (true =
   * success).
   */
  *countFailures(outcomes: ReadonlyMap<string, readonly boolean[]>, limit: number): Work<string[]> {
    const c = (name: string) => this.sql.col(name);
    const reset: string[] = [];
    const setTo = new Map<number, string[]>();
    const addTo = new Map<number, string[]>();
    for (const [id, results] of outcomes) {
      const lastSuccess = results.lastIndexOf(true);
      const trailingFailures = results.length - 1 - lastSuccess;
      if (lastSuccess >= 0 && trailingFailures === 0) reset.push(id);
      else if (lastSuccess >= 0) push(setTo, trailingFailures, id);
      else push(addTo, trailingFailures, id);
    }
    for (const chunk of chunks(reset, 500)) {
      // Mostly there is nothing to reset. A plain read finds the rows that need it, so that the others are
      // not locked: on MySQL/MariaDB an UPDATE by primary key locks the row before it looks at the value,
      // and waits for every application transaction whose outbox insert holds the row (foreign-key check)
      // — and two such waits in opposite orders are a deadlock.
      const failing = idsOf(
        yield {
          sql: `SELECT ${c('id')} AS id FROM ${this.subscriptions} WHERE ${c('id')} IN (${this.sql.params(1, chunk.length)}) AND ${c('consecutive_failures')} <> 0`,
          params: chunk,
        },
      );
      if (failing.length === 0) continue;
      yield {
        sql:
          `UPDATE ${this.subscriptions} SET ${c('consecutive_failures')} = 0 ` +
          `WHERE ${c('id')} IN (${this.sql.params(1, failing.length)}) AND ${c('consecutive_failures')} <> 0`,
        params: failing,
      };
    }
    for (const [value, ids] of setTo) {
      for (const chunk of chunks(ids, 500)) {
        yield {
          sql: `UPDATE ${this.subscriptions} SET ${c('consecutive_failures')} = ${this.sql.param(1)} WHERE ${c('id')} IN (${this.sql.params(2, chunk.length)})`,
          params: [value, ...chunk],
        };
      }
    }
    for (const [value, ids] of addTo) {
      for (const chunk of chunks(ids, 500)) {
        yield {
          sql:
            `UPDATE ${this.subscriptions} SET ${c('consecutive_failures')} = ${c('consecutive_failures')} + ${this.sql.param(1)} ` +
            `WHERE ${c('id')} IN (${this.sql.params(2, chunk.length)})`,
          params: [value, ...chunk],
        };
      }
    }
    const failing = [...setTo.values(), ...addTo.values()].flat();
    const reached: string[] = [];
    for (const chunk of chunks(failing, 500)) {
      const ids = idsOf(
        yield {
          sql:
            `SELECT ${c('id')} AS id FROM ${this.subscriptions} WHERE ${c('id')} IN (${this.sql.params(1, chunk.length)}) ` +
            `AND ${c('active')} = ${this.sql.param(chunk.length + 1)} AND ${c('consecutive_failures')} >= ${this.sql.param(chunk.length + 2)}`,
          params: [...chunk, true, limit],
        },
      );
      reached.push(...ids);
    }
    return reached;
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

  /** Turns raw rows (every column, by name) into attempts. */
  hydrate(rows: Record<string, unknown>[]): WebhookDeliveryAttempt[] {
    return this.db.hydrate(WebhookDeliveryAttempt, 'a', rows);
  }

  private *lease(
    ids: readonly string[],
    token: string,
    leaseUntil: number,
    heldBy: string | null,
    now: number,
  ): Work<WebhookDeliveryAttempt[]> {
    const c = (name: string) => this.sql.col(name);
    const claimed: WebhookDeliveryAttempt[] = [];
    for (const chunk of chunks(ids, 500)) {
      // A new claim also passes over attempts of paused subscriptions (their target asked to be sent
      // less): whichever instance claims, and however stale its view of the subscription, none is sent.
      const p = (i: number) => this.sql.param(i);
      const held =
        heldBy === null
          ? `(${c('lease_owner')} IS NULL OR ${c('lease_until')} IS NULL OR ${c('lease_until')} <= ${p(4)}) ` +
            `AND NOT EXISTS (SELECT 1 FROM ${this.subscriptions} s WHERE s.${c('id')} = ${c('subscription_id')} AND s.${c('paused_until')} > ${p(5)})`
          : `${c('lease_owner')} = ${p(4)}`;
      const fixed =
        heldBy === null ? [token, leaseUntil, leaseUntil, now, now] : [token, leaseUntil, leaseUntil, heldBy];
      yield {
        sql:
          `UPDATE ${this.attempts} SET ${c('lease_owner')} = ${p(1)}, ${c('lease_until')} = ${p(2)}, ` +
          `${c('next_attempt_at')} = ${p(3)} WHERE ${c('status')} = 'pending' AND ${held} ` +
          `AND ${c('id')} IN (${this.sql.params(fixed.length + 1, chunk.length)})`,
        params: [...fixed, ...chunk],
      };
      const { rows } = yield {
        sql:
          `SELECT ${COLUMNS.map(c).join(', ')} FROM ${this.attempts} WHERE ${c('lease_owner')} = ${this.sql.param(1)} ` +
          `AND ${c('id')} IN (${this.sql.params(2, chunk.length)})`,
        params: [token, ...chunk],
      };
      claimed.push(...this.hydrate(rows));
    }
    return claimed;
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
    ];
  }

  private cached(key: string, build: () => string): string {
    let sql = this.statements.get(key);
    if (!sql) this.statements.set(key, (sql = build()));
    return sql;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
