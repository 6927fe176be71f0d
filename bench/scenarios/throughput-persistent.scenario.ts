import { BenchSkip, measureEach, type BenchDatabaseKind } from '../support/databases';
import { HISTORY_LIMIT, PERSISTENT_SUBSCRIPTIONS, PersistentFleet, type DispatchMode } from '../support/fleets';
import { fleetRunner, rawRunner } from '../support/runners';
import {
  atLeast,
  type BaselineResult,
  type BenchContext,
  type BenchScenario,
  type ResultRow,
} from '../support/scenario';
import { alternate, formatRates, throughputPlan } from '../support/slices';

/** Scenario 3's targets, on PostgreSQL. */
const RAW_TARGET = 0.35;
const NAIVE_TARGET = 3;

const LABEL: Record<BenchDatabaseKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const MODE_LABEL: Record<DispatchMode, string> = { transaction: 'in app transaction', direct: 'no transaction' };

/**
 * Scenario 3: events/s with every attempt recorded, on SQLite and PostgreSQL. Per database, an
 * application with {@link PERSISTENT_SUBSCRIPTIONS} database subscriptions whose histories are full
 * ({@link HISTORY_LIMIT} resolved attempts each, so every result also trims one); 64 events in flight,
 * each raised (in an application transaction, `dataSource.transaction(m => dispatch(..., { manager: m }))`,
 * or without one) and waited for until its successful result is committed. Alternating slices: raw,
 * in a transaction, without. Compared with raw (same slices) and with the naive baseline of the run.
 */
export const throughputPersistentScenario: BenchScenario = {
  name: 'throughput-persistent',
  title: 'Throughput, persistent, every attempt recorded: SQLite and PostgreSQL',
  run: (context) =>
    measureEach(
      'throughput-persistent',
      ['sqlite', 'postgres'] as const,
      (kind) => `events/s, recorded, ${LABEL[kind]}`,
      (kind) => measure(context, kind),
    ),
};

async function measure(context: BenchContext, kind: BenchDatabaseKind): Promise<ResultRow[]> {
  const naive = await naiveBaseline(context, kind);
  const receiver = await context.receiver();
  await receiver.reset();
  const path = `persistent-${kind}`;
  const fleet = await PersistentFleet.start(kind, {
    origin: receiver.url(''),
    path,
    recordDatabase: context.recordDatabase,
  });
  try {
    context.log(
      `  ${LABEL[kind]}: ${PERSISTENT_SUBSCRIPTIONS} subscriptions × ${HISTORY_LIMIT} attempts seeded in ${fleet.seedSeconds.toFixed(1)} s`,
    );
    const plan = throughputPlan(context.quick);
    const results = await alternate(
      [rawRunner(receiver), fleetRunner('transaction', fleet, 'transaction'), fleetRunner('direct', fleet, 'direct')],
      plan,
    );
    const stats = await receiver.stats();
    const check = await fleet.verify(stats.byPath[path] ?? 0, stats.duplicates);
    const raw = results.get('raw')!;
    const rows: ResultRow[] = [];
    for (const mode of ['transaction', 'direct'] as const) {
      const result = results.get(mode)!;
      const metric = `events/s, recorded, ${LABEL[kind]}, ${MODE_LABEL[mode]}`;
      const note =
        `slices ${formatRates(result.sliceRates)} (raw ${formatRates(raw.sliceRates)}); event latency p50 ${result.p50Ms.toFixed(1)} / ` +
        `p99 ${result.p99Ms.toFixed(1)} ms${result.errors ? `; ${result.errors} errors (${result.firstError})` : ''}`;
      const rawRatio = result.perSecond / raw.perSecond;
      const naiveRatio = naive ? result.perSecond / naive.perSecond : null;
      const verdict = (ratio: number, limit: number) => (check.ok ? atLeast(ratio, limit) : 'FAIL');
      rows.push({
        scenario: 'throughput-persistent',
        metric,
        value: result.perSecond,
        unit: 'events/s',
        baseline: raw.perSecond,
        baselineUnit: 'req/s',
        baselineLabel: 'raw, same slices',
        ratio: rawRatio,
        target: kind === 'postgres' ? `≥ ${RAW_TARGET.toFixed(2)}× raw` : '(vs raw)',
        verdict: kind === 'postgres' ? verdict(rawRatio, RAW_TARGET) : check.ok ? '' : 'FAIL',
        note: mode === 'transaction' ? `${note}; ${check.summary}` : note,
      });
      rows.push({
        scenario: 'throughput-persistent',
        metric,
        value: result.perSecond,
        unit: 'events/s',
        baseline: naive?.perSecond ?? null,
        baselineLabel: `naive ${LABEL[kind]}`,
        ratio: naiveRatio,
        target: kind === 'postgres' ? `≥ ${NAIVE_TARGET}× naive` : '(vs naive)',
        verdict:
          naiveRatio === null
            ? 'skipped'
            : kind === 'postgres'
              ? verdict(naiveRatio, NAIVE_TARGET)
              : check.ok
                ? ''
                : 'FAIL',
        note: naive
          ? `naive measured in this run's baselines (${formatRates([naive.perSecond])} events/s)`
          : 'naive baseline not available',
      });
    }
    return rows;
  } finally {
    await fleet.close();
  }
}

async function naiveBaseline(context: BenchContext, kind: BenchDatabaseKind): Promise<BaselineResult | null> {
  try {
    return await context.baseline(kind === 'sqlite' ? 'naive-sqlite' : 'naive-postgres');
  } catch (error) {
    if (error instanceof BenchSkip) return null;
    throw error;
  }
}
