import { measureEach, type BenchDatabaseKind, type BenchSqliteSettings } from '../support/databases';
import { PersistentFleet, type DispatchMode } from '../support/fleets';
import type { Receiver } from '../support/receiver.client';
import { atMost, type BenchContext, type BenchScenario, type ResultRow } from '../support/scenario';
import { percentiles, type Percentiles } from '../support/stats';

/** Scenario 4's rate and targets. */
const RATE = 500;
const P50_TARGET_MS = 5;
const P99_TARGET_MS = 50;

/** The databases measured: PostgreSQL, SQLite as the docs set it up, and SQLite with TypeORM's defaults. */
const SETUPS: ReadonlyArray<{ kind: BenchDatabaseKind; sqlite?: BenchSqliteSettings; label: string; target: boolean }> =
  [
    { kind: 'postgres', label: 'PostgreSQL', target: true },
    { kind: 'sqlite', sqlite: 'wal', label: 'SQLite (WAL, synchronous = NORMAL)', target: true },
    // Reported, without a target: the module warns at startup about a SQLite file database set up like this.
    { kind: 'sqlite', sqlite: 'typeorm-defaults', label: "SQLite (TypeORM's defaults)", target: false },
  ];

/** What an open-loop run measured. */
export interface LatencyResult {
  /** Commit resolved (the caller's `await` returned) → the receiver had the request head. */
  fromCommit: Percentiles;
  /** The caller started the transaction → the receiver had the request head. */
  fromStart: Percentiles;
  /** The transaction itself (start → commit resolved). */
  transaction: Percentiles;
  /** Requests that arrived before the caller's `await` of the commit returned (the hand-over runs in the commit hook). */
  beforeCommitReturned: number;
  /** Events whose request never reached the receiver. */
  missing: number;
  /** Events raised in the measured part. */
  events: number;
  /** How late the open loop started events, at worst (ms): the generator keeping up. */
  maxLagMs: number;
}

const clock = () => performance.timeOrigin + performance.now();

/**
 * Raises `rate` events per second for `durationMs` (after `warmupMs` at the same rate, not counted), each
 * in an application transaction, without waiting for deliveries (an open loop: a late event does not
 * delay the next), then matches each commit time with the receiver's arrival time of its `webhook-id`.
 */
export async function openLoopLatency(
  fleet: PersistentFleet,
  receiver: Receiver,
  options: { rate: number; durationMs: number; warmupMs: number; mode?: DispatchMode },
): Promise<LatencyResult> {
  await receiver.calibrate();
  const interval = 1000 / options.rate;
  const warmup = Math.round((options.warmupMs / 1000) * options.rate);
  const total = warmup + Math.round((options.durationMs / 1000) * options.rate);
  const records: Array<{ id: string; start: number; commit: number } | undefined> = new Array(total);
  const running: Array<Promise<void>> = [];
  let firstError: unknown;
  let maxLag = 0;
  const begin = performance.now();
  for (let i = 0; i < total; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    // Timers are not finer than a millisecond; spinning the rest would steal a core from the work measured.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    maxLag = Math.max(maxLag, performance.now() - due);
    const start = clock();
    running.push(
      fleet.raise(i, options.mode ?? 'transaction').then(
        (result) => {
          records[i] = { id: result.messageId, start, commit: clock() };
        },
        (error) => {
          firstError ??= error;
        },
      ),
    );
  }
  await Promise.all(running);
  if (firstError) throw firstError;
  await fleet.app.engine.whenIdle(60_000);
  const measured = records.slice(warmup).filter((r): r is NonNullable<typeof r> => r !== undefined);
  const arrivals = await receiver.arrivals(measured.map((r) => r.id));
  const fromCommit: number[] = [];
  const fromStart: number[] = [];
  const transaction: number[] = [];
  let missing = 0;
  let early = 0;
  for (const record of measured) {
    transaction.push(record.commit - record.start);
    const at = arrivals.get(record.id);
    if (at == null) {
      missing++;
      continue;
    }
    fromCommit.push(at - record.commit);
    fromStart.push(at - record.start);
    if (at < record.commit) early++;
  }
  return {
    fromCommit: percentiles(fromCommit),
    fromStart: percentiles(fromStart),
    transaction: percentiles(transaction),
    beforeCommitReturned: early,
    missing,
    events: measured.length,
    maxLagMs: maxLag,
  };
}

/**
 * Scenario 4: latency from the commit of the application's transaction to the receiver having the request,
 * at a steady 500 events/s, on PostgreSQL and SQLite (the same application as scenario 3: 1,000
 * subscriptions with full histories). The happy path must not wait for a poll.
 */
export const latencyScenario: BenchScenario = {
  name: 'latency',
  title: `Latency from commit to the receiver having the request, at a steady ${RATE} events/s`,
  run: (context) =>
    measureEach(
      'latency',
      SETUPS,
      (setup) => `commit → receiver, ${setup.label}`,
      (setup) => measure(context, setup),
    ),
};

async function measure(context: BenchContext, setup: (typeof SETUPS)[number]): Promise<ResultRow[]> {
  const { kind, label } = setup;
  const receiver = await context.receiver();
  await receiver.reset();
  const path = `latency-${kind}-${setup.sqlite ?? 'server'}`;
  const fleet = await PersistentFleet.start(kind, {
    origin: receiver.url(''),
    path,
    sqlite: setup.sqlite,
    recordDatabase: context.recordDatabase,
  });
  try {
    const durationMs = context.quick ? 2_000 : 10_000;
    const result = await openLoopLatency(fleet, receiver, {
      rate: RATE,
      durationMs,
      warmupMs: context.quick ? 500 : 1_000,
    });
    const stats = await receiver.stats();
    const check = await fleet.verify(stats.byPath[path] ?? 0, stats.duplicates);
    const ok = check.ok && result.missing === 0;
    const c = result.fromCommit;
    const common =
      `${result.events.toLocaleString('en-US')} events in ${durationMs / 1000} s; p90 ${c.p90.toFixed(2)}, max ${c.max.toFixed(1)} ms; ` +
      `${result.beforeCommitReturned} arrived before the commit's await returned; ` +
      `start of transaction → receiver p50 ${result.fromStart.p50.toFixed(2)} / p99 ${result.fromStart.p99.toFixed(2)} ms ` +
      `(the transaction: p50 ${result.transaction.p50.toFixed(2)} / p99 ${result.transaction.p99.toFixed(2)} ms); ` +
      `generator lag max ${result.maxLagMs.toFixed(1)} ms; clock offset ± ${receiver.clockUncertaintyMs.toFixed(3)} ms`;
    return [
      {
        scenario: 'latency',
        metric: `commit → receiver p50, ${label}`,
        value: c.p50,
        unit: 'ms',
        target: setup.target ? `≤ ${P50_TARGET_MS} ms` : undefined,
        verdict: !ok ? 'FAIL' : setup.target ? atMost(c.p50, P50_TARGET_MS) : '',
        note: common,
      },
      {
        scenario: 'latency',
        metric: `commit → receiver p99, ${label}`,
        value: c.p99,
        unit: 'ms',
        target: setup.target ? `≤ ${P99_TARGET_MS} ms` : undefined,
        verdict: !ok ? 'FAIL' : setup.target ? atMost(c.p99, P99_TARGET_MS) : '',
        note: `${result.missing ? `${result.missing} never arrived; ` : ''}${check.summary}`,
      },
    ];
  } finally {
    await fleet.close();
  }
}
