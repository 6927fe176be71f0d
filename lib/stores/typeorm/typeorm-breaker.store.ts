import { Injectable } from '@nestjs/common';
import {
  applyBreakerTry,
  type BreakerTry,
  closedBreaker,
  probedBreaker,
  type WebhookBreakerRules,
  type WebhookBreakerState,
  type WebhookBreakerTransition,
} from '../../core/limits/circuit-breaker';
import { WebhookBreaker } from '../../entities/webhook-delivery-control.entity';
import type { WebhookBreakerStore } from '../breaker-store.interface';
import { Sql } from './sql.builder';
import type { Row } from './unit-of-work';
import { WebhooksDatabase, type Work } from './webhooks.database';

const COLUMNS = [
  'host',
  'state',
  'consecutive_failures',
  'window_start',
  'window_tries',
  'window_failures',
  'open_until',
  'probe_until',
  'changed_at',
] as const;

/**
 * The circuit breakers in the `webhook_breakers` table: each change reads the host's row under a row lock and
 * writes it back in the engine's own transaction, so that instances counting results or claiming the probe at
 * once see each other's changes.
 */
@Injectable()
export class TypeOrmBreakerStore implements WebhookBreakerStore {
  private readonly sql: Sql;
  private table?: string;

  constructor(private readonly db: WebhooksDatabase) {
    this.sql = new Sql(db.dataSource, db.kind);
  }

  record(tries: readonly BreakerTry[], rules: WebhookBreakerRules, now: number): Promise<WebhookBreakerTransition[]> {
    return this.db.runOwn(() => this.recordWork(tries, rules, now));
  }

  claimProbe(host: string, rules: WebhookBreakerRules, now: number): Promise<boolean> {
    return this.db.runOwn(() => this.probeWork(host, rules, now));
  }

  async notClosed(): Promise<WebhookBreakerState[]> {
    const { rows } = await this.db.query({
      sql: `SELECT ${this.columns()} FROM ${this.breakers} WHERE ${this.sql.col('state')} <> 'closed'`,
      params: [],
    });
    return rows.map(stateOf);
  }

  async list(): Promise<WebhookBreakerState[]> {
    const { rows } = await this.db.query({
      sql: `SELECT ${this.columns()} FROM ${this.breakers} ORDER BY ${this.sql.col('host')}`,
      params: [],
    });
    return rows.map(stateOf);
  }

  private get breakers(): string {
    return (this.table ??= this.sql.table(WebhookBreaker));
  }

  private columns(): string {
    return COLUMNS.map((c) => this.sql.col(c)).join(', ');
  }

  private *recordWork(
    tries: readonly BreakerTry[],
    rules: WebhookBreakerRules,
    now: number,
  ): Work<WebhookBreakerTransition[]> {
    const transitions: WebhookBreakerTransition[] = [];
    // Hosts in one order, so that two instances never wait for each other's rows.
    for (const host of [...new Set(tries.map((t) => t.host))].sort()) {
      let state = yield* this.locked(host, now);
      for (const done of tries) {
        if (done.host !== host) continue;
        const next = applyBreakerTry(state, done, rules, now);
        state = next.state;
        if (next.transition) transitions.push(next.transition);
      }
      yield* this.write(state);
    }
    return transitions;
  }

  private *probeWork(host: string, rules: WebhookBreakerRules, now: number): Work<boolean> {
    const probed = probedBreaker(yield* this.locked(host, now), rules, now);
    if (probed) yield* this.write(probed);
    return probed !== null;
  }

  /** The host's breaker, its row made if missing and locked until commit. */
  private *locked(host: string, now: number): Work<WebhookBreakerState> {
    const fresh = closedBreaker(host, now);
    yield { sql: this.sql.insert(WebhookBreaker, COLUMNS, 1, true), params: values(fresh) };
    const lock = this.sql.kind === 'sqlite' ? '' : ' FOR UPDATE';
    const { rows } = yield {
      sql: `SELECT ${this.columns()} FROM ${this.breakers} WHERE ${this.sql.col('host')} = ${this.sql.param(1)}${lock}`,
      params: [host],
    };
    return rows[0] ? stateOf(rows[0]) : fresh;
  }

  private *write(state: WebhookBreakerState): Work<void> {
    const sets = COLUMNS.slice(1)
      .map((c, i) => `${this.sql.col(c)} = ${this.sql.param(i + 1)}`)
      .join(', ');
    yield {
      sql: `UPDATE ${this.breakers} SET ${sets} WHERE ${this.sql.col('host')} = ${this.sql.param(COLUMNS.length)}`,
      params: [...values(state).slice(1), state.host],
    };
  }
}

function values(s: WebhookBreakerState): unknown[] {
  return [
    s.host,
    s.state,
    s.consecutiveFailures,
    s.windowStart,
    s.windowTries,
    s.windowFailures,
    s.openUntil,
    s.probeUntil,
    s.changedAt,
  ];
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function stateOf(row: Row): WebhookBreakerState {
  return {
    host: String(row.host),
    state: row.state as WebhookBreakerState['state'],
    consecutiveFailures: Number(row.consecutive_failures),
    windowStart: Number(row.window_start),
    windowTries: Number(row.window_tries),
    windowFailures: Number(row.window_failures),
    openUntil: num(row.open_until),
    probeUntil: num(row.probe_until),
    changedAt: Number(row.changed_at),
  };
}
