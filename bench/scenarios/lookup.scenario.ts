import { SubscriptionIndex } from '../../lib/match/registry/subscription.index';
import { scopeLineage } from '../../lib/core/scopes/scope-path.util';
import { percentiles, type Percentiles } from '../support/stats';
import { atMost, type BenchScenario, type ResultRow } from '../support/scenario';
import { buildLookups, buildOneMatchFleet, buildScopeTree, buildSubscriptions } from '../support/subscription-fixtures';

/** Subscription counts measured; the first is the reference of the p50 ratio, the last gets the targets. */
const SIZES = [1_000, 10_000, 100_000] as const;
const P99_TARGET_MS = 0.5;
const P50_GROWTH_TARGET = 2;

/**
 * Scenario 1: the time to find the subscriptions an event reaches — `SubscriptionIndex.match(event,
 * scopeLineage(scope))` for a random event type raised in a random depth-3 scope — with 1k, 10k and 100k
 * subscriptions over 1,111 scopes; then the same where every event matches exactly one subscription.
 */
export const lookupScenario: BenchScenario = {
  name: 'lookup',
  title: 'Lookup: match an event against 1k/10k/100k subscriptions over 1k scopes (depth 3, wildcards mixed in)',
  async run(context) {
    const samples = context.quick ? 50_000 : 300_000;
    const warmup = context.quick ? 20_000 : 50_000;
    const tree = buildScopeTree();
    const mixedLookups = buildLookups(samples + warmup, tree);
    const timerOverheadMs = measureTimerOverhead();
    const rows: ResultRow[] = [];
    for (const variant of ['mixed', 'one-match'] as const) {
      const measured = new Map<number, { latency: Percentiles; matchesPerEvent: number; buildMs: number }>();
      for (const size of SIZES) {
        // Mixed: the fixtures' patterns, so that bigger fleets also answer with more subscriptions. One
        // match: every event reaches exactly one subscription at every size, so only the fleet grows.
        const fleet =
          variant === 'mixed'
            ? { subscriptions: buildSubscriptions(size, tree), lookups: mixedLookups }
            : buildOneMatchFleet(size, samples + warmup, tree);
        const buildStart = performance.now();
        const index = new SubscriptionIndex();
        for (const subscription of fleet.subscriptions) index.put(subscription);
        const buildMs = performance.now() - buildStart;
        if (index.size !== size) throw new Error(`the index holds ${index.size} subscriptions, expected ${size}`);

        let sink = 0;
        for (let i = 0; i < warmup; i++) {
          const { event, scope } = fleet.lookups[samples + i];
          sink += index.match(event, scopeLineage(scope)).length;
        }
        const times = new Float64Array(samples);
        let matches = 0;
        for (let i = 0; i < samples; i++) {
          const { event, scope } = fleet.lookups[i];
          const start = process.hrtime.bigint();
          const found = index.match(event, scopeLineage(scope));
          times[i] = Number(process.hrtime.bigint() - start) / 1e6;
          matches += found.length;
        }
        if (sink < 0) throw new Error('unreachable: keeps the warm-up from being optimized away');
        if (variant === 'one-match' && matches !== samples)
          throw new Error(`${matches} matches for ${samples} one-match events at ${size} subscriptions`);
        measured.set(size, { latency: percentiles(times), matchesPerEvent: matches / samples, buildMs });
        context.log(`  lookup ${variant} ${size}: p50 ${measured.get(size)!.latency.p50.toFixed(4)} ms`);
      }
      rows.push(...rowsOf(variant, measured, timerOverheadMs));
    }
    return rows;
  },
};

function rowsOf(
  variant: 'mixed' | 'one-match',
  measured: Map<number, { latency: Percentiles; matchesPerEvent: number; buildMs: number }>,
  timerOverheadMs: number,
): ResultRow[] {
  const reference = measured.get(SIZES[0])!.latency.p50;
  const rows: ResultRow[] = [];
  const suffix = variant === 'mixed' ? '' : ', one match per event';
  for (const size of SIZES) {
    const { latency, matchesPerEvent, buildMs } = measured.get(size)!;
    const label = `${size / 1000}k`;
    const largest = size === SIZES[SIZES.length - 1];
    const note =
      `p90 ${latency.p90.toFixed(4)}, max ${latency.max.toFixed(3)} ms; ${matchesPerEvent.toFixed(1)} matches/event; ` +
      `${latency.count.toLocaleString('en-US')} samples; index built in ${Math.round(buildMs)} ms`;
    rows.push({
      scenario: 'lookup',
      metric: `p50 @ ${label} subs${suffix}`,
      value: latency.p50,
      unit: 'ms',
      ...(largest
        ? {
            baseline: reference,
            baselineLabel: `p50 @ ${SIZES[0] / 1000}k`,
            ratio: latency.p50 / reference,
            target: `≤ ${P50_GROWTH_TARGET}× the 1k p50`,
            verdict: atMost(latency.p50 / reference, P50_GROWTH_TARGET),
          }
        : { verdict: '' as const }),
      note,
    });
    rows.push({
      scenario: 'lookup',
      metric: `p99 @ ${label} subs${suffix}`,
      ...(size === SIZES[0]
        ? { note: `each sample includes the timer's own cost, p50 ${timerOverheadMs.toFixed(5)} ms` }
        : {}),
      value: latency.p99,
      unit: 'ms',
      ...(largest
        ? { target: `≤ ${P99_TARGET_MS} ms`, verdict: atMost(latency.p99, P99_TARGET_MS) }
        : { verdict: '' as const }),
    });
  }
  return rows;
}

/** The p50 of two back-to-back `process.hrtime.bigint()` readings: the floor of every sample above. */
function measureTimerOverhead(): number {
  const times = new Float64Array(20_000);
  for (let i = 0; i < times.length; i++) {
    const start = process.hrtime.bigint();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return percentiles(times).p50;
}
