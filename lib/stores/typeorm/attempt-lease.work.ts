import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { chunks } from '../../core/util/chunks.util';
import type { ClaimRules } from '../attempt-store.interface';
import { ATTEMPT_COLUMNS, AttemptTableWork } from './attempt-table.work';
import { DeliveryLimitsWork } from './delivery-limits.work';
import { idsOf, type Row } from './unit-of-work';
import type { ClaimCandidate } from './delivery-limits.work';
import type { Work } from './webhooks.database';

/**
 * The leases on outbox rows: an instance claims due attempts (or given ones) under a token and a deadline,
 * renews them while it holds them, and gives them back when it will not send them. A lease that runs out
 * makes the attempt due again, which is how the attempts of a crashed instance come back.
 */
export class AttemptLeaseWork extends AttemptTableWork {
  private readonly gates = new DeliveryLimitsWork(this.db);

  /**
   * Claims up to `limit` due attempts that nobody holds (skipping rows other instances are claiming right
   * now) and returns them. A held attempt is due again when its lease runs out, so attempts of a crashed
   * instance come back by themselves. Attempts of a paused subscription (throttled target) wait.
   */
  *claimDue(
    now: number,
    limit: number,
    token: string,
    leaseUntil: number,
    rules: ClaimRules = {},
  ): Work<WebhookDeliveryAttempt[]> {
    const policy = rules.orderedFailure ?? 'skip';
    const select = this.cached(`claim:select:${policy}`, () => {
      const c = (name: string) => this.sql.col(name);
      const p = (i: number) => this.sql.param(i);
      return (
        `SELECT a.${c('id')} AS id, a.${c('subscription_id')} AS subscription_id FROM ${this.attempts} a ` +
        `WHERE a.${c('status')} = 'pending' AND a.${c('next_attempt_at')} <= ${p(1)} ` +
        `AND (a.${c('lease_until')} IS NULL OR a.${c('lease_until')} <= ${p(2)}) ` +
        `AND NOT EXISTS (SELECT 1 FROM ${this.subscriptions} s WHERE s.${c('id')} = a.${c('subscription_id')} AND s.${c('paused_until')} > ${p(3)}) ` +
        `AND NOT EXISTS (SELECT 1 FROM ${this.gates.limits} l WHERE l.${c('subscription_id')} = a.${c('subscription_id')} AND l.${c('ready_at')} > ${p(4)}) ` +
        `AND (a.${c('ordering_key')} IS NULL OR NOT ${this.earlierBlocking('a', policy)}) ` +
        `ORDER BY a.${c('next_attempt_at')} LIMIT ${p(5)}${this.sql.skipLocked}`
      );
    });
    const { rows } = yield { sql: select, params: [now, now, now, now, limit] };
    if (rows.length === 0) return [];
    // Rate limits and tries in flight per subscription: what is over them stays pending, untried.
    const ids = yield* this.gates.admit(rows.map(candidateOf), now);
    if (ids.length === 0) return [];
    return yield* this.lease(ids, token, leaseUntil, null, now);
  }

  /**
   * `EXISTS (…)`: an earlier attempt (by id, which is dispatch order) of the same subscription and ordering
   * key as the row `alias` holds it back — one pending (waiting, held, or between retries), or with the
   * `'block'` policy one that failed since the subscription last changed (a change — a fixed URL, say —
   * lets the key go on; a replay makes the failed one pending, which then goes first). Found by the index on
   * (subscription, ordering key, id); rows without a key never get here.
   */
  private earlierBlocking(alias: string, policy: 'skip' | 'block'): string {
    const c = (name: string) => this.sql.col(name);
    const blocking =
      policy === 'skip'
        ? `b.${c('status')} = 'pending'`
        : `(b.${c('status')} = 'pending' OR (b.${c('status')} = 'failed' AND b.${c('resolved_at')} >= ` +
          `(SELECT s2.${c('updated_at')} FROM ${this.subscriptions} s2 WHERE s2.${c('id')} = ${alias}.${c('subscription_id')})))`;
    return (
      `EXISTS (SELECT 1 FROM ${this.attempts} b WHERE b.${c('subscription_id')} = ${alias}.${c('subscription_id')} ` +
      `AND b.${c('ordering_key')} = ${alias}.${c('ordering_key')} AND b.${c('id')} < ${alias}.${c('id')} AND ${blocking})`
    );
  }

  /** The ids among `ids` that the ordering rule holds back (see {@link earlierBlocking}). */
  private *heldBack(ids: readonly string[], policy: 'skip' | 'block'): Work<Set<string>> {
    const c = (name: string) => this.sql.col(name);
    const sql = this.cached(
      `held-back:${ids.length}:${policy}`,
      () =>
        `SELECT a.${c('id')} AS id FROM ${this.attempts} a WHERE a.${c('id')} IN (${this.sql.params(1, ids.length)}) ` +
        `AND a.${c('ordering_key')} IS NOT NULL AND ${this.earlierBlocking('a', policy)}`,
    );
    return new Set(idsOf(yield { sql, params: [...ids] }));
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
    rules: ClaimRules = {},
  ): Work<WebhookDeliveryAttempt[]> {
    if (heldBy !== null || ids.length === 0) return yield* this.lease(ids, token, leaseUntil, heldBy, now);
    // A new claim of given attempts (committed ordered or limited events, manual retries) keeps the order of
    // their keys and the limits of their subscriptions too. MySQL cannot read the table an UPDATE writes in a
    // subquery, hence looks of their own first.
    const kept: ClaimCandidate[] = [];
    for (const chunk of chunks(ids, 500)) {
      const held = yield* this.heldBack(chunk, rules.orderedFailure ?? 'skip');
      for (const candidate of yield* this.candidates(chunk, now)) if (!held.has(candidate.id)) kept.push(candidate);
    }
    const admitted = yield* this.gates.admit(kept, now);
    return admitted.length === 0 ? [] : yield* this.lease(admitted, token, leaseUntil, heldBy, now);
  }

  /** The given attempts that are pending and unheld, with their subscriptions, in the order given. */
  private *candidates(ids: readonly string[], now: number): Work<ClaimCandidate[]> {
    const c = (name: string) => this.sql.col(name);
    const sql = this.cached(
      `candidates:${ids.length}`,
      () =>
        `SELECT ${c('id')} AS id, ${c('subscription_id')} AS subscription_id FROM ${this.attempts} ` +
        `WHERE (${c('lease_until')} IS NULL OR ${c('lease_until')} <= ${this.sql.param(1)}) ` +
        `AND ${c('id')} IN (${this.sql.params(2, ids.length)}) AND ${c('status')} = 'pending'`,
    );
    const found = new Map((yield { sql, params: [now, ...ids] }).rows.map((row) => [String(row.id), candidateOf(row)]));
    return ids.flatMap((id) => found.get(id) ?? []);
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
          `SELECT ${ATTEMPT_COLUMNS.map(c).join(', ')} FROM ${this.attempts} WHERE ${c('lease_owner')} = ${this.sql.param(1)} ` +
          `AND ${c('id')} IN (${this.sql.params(2, chunk.length)})`,
        params: [token, ...chunk],
      };
      claimed.push(...this.hydrate(rows));
    }
    return claimed;
  }

  /** Turns raw rows (every column, by name) into attempts. */
  private hydrate(rows: readonly Row[]): WebhookDeliveryAttempt[] {
    return this.db.hydrate(WebhookDeliveryAttempt, 'a', rows);
  }
}

const candidateOf = (row: Row): ClaimCandidate => ({ id: String(row.id), subscriptionId: String(row.subscription_id) });
