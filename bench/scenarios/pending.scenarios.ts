import { NEEDS_DELIVERY_ENGINE, type BenchScenario, type ResultRow } from '../support/scenario';

/**
 * A scenario that cannot run before the delivery engine (dispatcher, outbox, transports) exists: it
 * says so in the table instead of showing a number. Replace each with a real scenario file; the
 * baselines it compares with are ready (`context.baseline('raw' | 'naive-postgres' | ...)`), as is the
 * receiver (`context.receiver()`, arrival time per `webhook-id` on this process's clock).
 */
function pending(name: string, title: string, rows: Array<{ metric: string; target: string }>): BenchScenario {
  return {
    name,
    title,
    async run() {
      return rows.map(
        (row): ResultRow => ({ scenario: name, metric: row.metric, value: NEEDS_DELIVERY_ENGINE, target: row.target, verdict: 'n/a' }),
      );
    },
  };
}

/** Scenario 2. Compare with `context.baseline('raw')`, same bodies, same concurrency (64). */
export const throughputMemoryScenario = pending(
  'throughput-memory',
  'Throughput, in-memory static subscriptions: events/s delivered',
  [{ metric: 'events/s delivered (in memory)', target: '≥ 0.70× raw' }],
);

/** Scenario 3. Every attempt recorded; compare with `raw`, and on PostgreSQL with `naive-postgres`. */
export const throughputPersistentScenario = pending(
  'throughput-persistent',
  'Throughput, persistent, every attempt recorded: SQLite and PostgreSQL',
  [
    { metric: 'events/s, recorded, SQLite', target: '(vs raw and naive SQLite)' },
    { metric: 'events/s, recorded, PostgreSQL', target: '≥ 0.35× raw' },
    { metric: 'events/s, recorded, PostgreSQL', target: '≥ 3× naive PostgreSQL' },
  ],
);

/** Scenario 4. Commit time on this process's clock vs `Receiver.arrivals()` (already converted). */
export const latencyScenario = pending('latency', 'Latency from commit to the receiver having the request, at a steady 500 events/s', [
  { metric: 'commit → receiver p50 @ 500/s', target: '≤ 5 ms' },
  { metric: 'commit → receiver p99 @ 500/s', target: '≤ 50 ms' },
]);

/** Scenario 5. One event, 10,000 matching subscriptions, all delivered and recorded. */
export const fanoutScenario = pending('fanout', 'Fan-out: one event to 10,000 subscriptions, all delivered and recorded', [
  { metric: '1 event → 10k subs, PostgreSQL', target: '≤ 5 s' },
]);

/** Scenario 7. The same throughput run with each transport; the ratio is @nestjs/axios / default. */
export const axiosTransportScenario = pending('axios-transport', 'The @nestjs/axios transport against the default transport', [
  { metric: '@nestjs/axios / default transport', target: '(ratio, no target)' },
]);
