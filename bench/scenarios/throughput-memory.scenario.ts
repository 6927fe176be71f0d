import { MemoryFleet } from '../support/fleets';
import { fleetRunner, rawRunner } from '../support/runners';
import { atLeast, type BenchScenario } from '../support/scenario';
import { alternate, formatRates, throughputPlan } from '../support/slices';

/** Scenario 2's target: the module delivers at least this share of what the raw client sends. */
const TARGET_RATIO = 0.7;

/**
 * Scenario 2: events/s delivered to static in-memory subscriptions (one per event type, so one delivery
 * per event), 64 events in flight, each raised with `WebhookDispatcher.dispatch` and waited for until the
 * module reports its attempt successful — against the raw undici pool, in alternating slices.
 */
export const throughputMemoryScenario: BenchScenario = {
  name: 'throughput-memory',
  title: 'Throughput, in-memory static subscriptions: events/s delivered',
  async run(context) {
    const receiver = await context.receiver();
    await receiver.reset();
    const fleet = await MemoryFleet.start({
      origin: receiver.url(''),
      path: 'memory',
      recordDatabase: context.recordDatabase,
    });
    try {
      const plan = throughputPlan(context.quick);
      context.log(
        `  ${plan.rounds} rounds of ${plan.sliceMs} ms slices (raw, module) after ${plan.warmupMs} ms warm-up each`,
      );
      const results = await alternate([rawRunner(receiver), fleetRunner('module', fleet, 'direct')], plan);
      const raw = results.get('raw')!;
      const module = results.get('module')!;
      const stats = await receiver.stats();
      const check = await fleet.verify(stats.byPath.memory ?? 0, stats.duplicates);
      const ratio = module.perSecond / raw.perSecond;
      return [
        {
          scenario: 'throughput-memory',
          metric: 'events/s delivered (in memory)',
          value: module.perSecond,
          unit: 'events/s',
          baseline: raw.perSecond,
          baselineUnit: 'req/s',
          baselineLabel: 'raw, same slices',
          ratio,
          target: `≥ ${TARGET_RATIO.toFixed(2)}× raw`,
          verdict: check.ok ? atLeast(ratio, TARGET_RATIO) : 'FAIL',
          note:
            `slices module ${formatRates(module.sliceRates)}, raw ${formatRates(raw.sliceRates)} events|req/s; ` +
            `event latency p50 ${module.p50Ms.toFixed(2)} / p99 ${module.p99Ms.toFixed(2)} ms (raw ${raw.p50Ms.toFixed(2)} / ${raw.p99Ms.toFixed(2)}); ` +
            `${module.errors ? `${module.errors} errors (${module.firstError}); ` : ''}${check.summary}`,
        },
      ];
    } finally {
      await fleet.close();
    }
  },
};
