import { grantRate, type WebhookRateLimit } from '../../core/limits/delivery-limits';
import { WebhookSubscriptionLimit } from '../../entities/webhook-delivery-control.entity';
import { chunks } from '../../core/util/chunks.util';
import { AttemptTableWork } from './attempt-table.work';
import type { Work } from './webhooks.database';

/** A due attempt a claim is about to take, with its subscription. */
export interface ClaimCandidate {
  id: string;
  subscriptionId: string;
}

/**
 * How long (ms) the claims pass over a subscription whose tries in flight are at `maxInFlight`: a try that
 * ends makes room, and the instance that ran it looks again at once; others look after this.
 */
export const IN_FLIGHT_RECHECK = 50;

/**
 * The per-subscription limits (`rateLimit`, `maxInFlight`) as claims apply them, in the claim's transaction:
 * a subscription's shared row (`webhook_subscription_limits`) is locked, its tries in flight counted (the
 * attempts under a live lease, whichever instance holds them) and its token bucket drawn from, so that
 * instances claiming at once together never exceed the limits. Attempts over them stay pending, untried, and
 * the row's `ready_at` keeps the next claims from even looking at them until a token or a slot is free.
 * Subscriptions without limits cost one lookup by primary key per claim.
 */
export class DeliveryLimitsWork extends AttemptTableWork {
  private limitsTable?: string;

  /** The escaped table of the limits' shared state. */
  get limits(): string {
    return (this.limitsTable ??= this.sql.table(WebhookSubscriptionLimit));
  }

  /** The candidates (in the order given, oldest due first) that the limits let go now. */
  *admit(candidates: readonly ClaimCandidate[], now: number): Work<string[]> {
    if (candidates.length === 0) return [];
    const limited = yield* this.limitedOf([...new Set(candidates.map((c) => c.subscriptionId))]);
    if (limited.size === 0) return candidates.map((c) => c.id);
    const granted = new Map<string, number>();
    // Locked in one order (by id) so that two claims never wait for each other's rows.
    for (const subscriptionId of [...limited.keys()].sort()) {
      const wanted = candidates.filter((c) => c.subscriptionId === subscriptionId).length;
      granted.set(subscriptionId, yield* this.grant(subscriptionId, limited.get(subscriptionId)!, wanted, now));
    }
    const kept: string[] = [];
    for (const candidate of candidates) {
      const left = granted.get(candidate.subscriptionId);
      if (left === undefined) kept.push(candidate.id);
      else if (left > 0) {
        kept.push(candidate.id);
        granted.set(candidate.subscriptionId, left - 1);
      }
    }
    return kept;
  }

  private *limitedOf(
    ids: readonly string[],
  ): Work<Map<string, { rateLimit: WebhookRateLimit | null; maxInFlight: number | null }>> {
    const c = (name: string) => this.sql.col(name);
    const limited = new Map<string, { rateLimit: WebhookRateLimit | null; maxInFlight: number | null }>();
    for (const chunk of chunks(ids, 500)) {
      const sql = this.cached(
        `limited:${chunk.length}`,
        () =>
          `SELECT ${c('id')} AS id, ${c('rate_limit')} AS rate_limit, ${c('max_in_flight')} AS max_in_flight FROM ${this.subscriptions} ` +
          `WHERE ${c('id')} IN (${this.sql.params(1, chunk.length)}) AND (${c('rate_limit')} IS NOT NULL OR ${c('max_in_flight')} IS NOT NULL)`,
      );
      for (const row of (yield { sql, params: [...chunk] }).rows) {
        limited.set(String(row.id), {
          rateLimit: jsonOf(row.rate_limit) as WebhookRateLimit | null,
          maxInFlight: row.max_in_flight === null || row.max_in_flight === undefined ? null : Number(row.max_in_flight),
        });
      }
    }
    return limited;
  }

  /** How many of `wanted` attempts of one limited subscription may go now; writes its shared state. */
  private *grant(
    subscriptionId: string,
    limits: { rateLimit: WebhookRateLimit | null; maxInFlight: number | null },
    wanted: number,
    now: number,
  ): Work<number> {
    const c = (name: string) => this.sql.col(name);
    const p = (i: number) => this.sql.param(i);
    // The row exists once the subscription was first claimed from; it is made here, then locked.
    yield {
      sql: this.cached('limits:ensure', () =>
        this.sql.insert(WebhookSubscriptionLimit, ['subscription_id', 'tat', 'ready_at'], 1, true),
      ),
      params: [subscriptionId, 0, 0],
    };
    const lock = this.sql.kind === 'sqlite' ? '' : ' FOR UPDATE';
    const [state] = (yield {
      sql: this.cached(
        'limits:lock',
        () => `SELECT ${c('tat')} AS tat FROM ${this.limits} WHERE ${c('subscription_id')} = ${p(1)}${lock}`,
      ),
      params: [subscriptionId],
    }).rows;
    let tat = Number(state?.tat ?? 0);
    let allowed = wanted;
    let free = Number.POSITIVE_INFINITY;
    if (limits.maxInFlight !== null) {
      const [counted] = (yield {
        sql: this.cached(
          'limits:in-flight',
          () =>
            `SELECT COUNT(*) AS n FROM ${this.attempts} WHERE ${c('subscription_id')} = ${p(1)} ` +
            `AND ${c('status')} = 'pending' AND ${c('lease_until')} > ${p(2)}`,
        ),
        params: [subscriptionId, now],
      }).rows;
      free = Math.max(0, limits.maxInFlight - Number(counted?.n ?? 0));
      allowed = Math.min(allowed, free);
    }
    let readyAt = 0;
    if (limits.rateLimit !== null) {
      const drawn = grantRate(limits.rateLimit, tat, now, allowed);
      allowed = drawn.granted;
      tat = drawn.tat;
      readyAt = drawn.readyAt;
    }
    // Every slot taken: the next claims pass the subscription over for a moment rather than look each time.
    if (allowed === free) readyAt = Math.max(readyAt, now + IN_FLIGHT_RECHECK);
    yield {
      sql: this.cached(
        'limits:write',
        () =>
          `UPDATE ${this.limits} SET ${c('tat')} = ${p(1)}, ${c('ready_at')} = ${p(2)} WHERE ${c('subscription_id')} = ${p(3)}`,
      ),
      params: [tat, readyAt, subscriptionId],
    };
    return allowed;
  }
}

/** A JSON column as read raw: parsed already (PostgreSQL) or text (SQLite, MySQL/MariaDB). */
function jsonOf(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}
