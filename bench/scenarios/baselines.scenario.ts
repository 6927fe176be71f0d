import { arrivalFloor } from '../baselines/arrival-floor.baseline';
import { BENCH_CONCURRENCY } from '../baselines/baseline.runner';
import { makeEvents } from '../support/payloads';
import { BenchSkip } from '../support/databases';
import type { BaselineName, BaselineResult, BenchContext, BenchScenario, ResultRow } from '../support/scenario';

/** The rates measured on this kind of machine (ANCHORS.md), to put the run's numbers in context. */
const ANCHOR_RATES: Partial<Record<BaselineName, string>> = {
  raw: 'ref ≈ 16k req/s (ANCHORS)',
  'node-http': 'ref ≈ 3.7k req/s (ANCHORS)',
};

const LABELS: Record<BaselineName, { metric: string; unit: string }> = {
  raw: { metric: 'raw: undici keep-alive pool', unit: 'req/s' },
  'node-http': { metric: 'node:http, 1 connection/request', unit: 'req/s' },
  'naive-sqlite': { metric: 'naive: find+axios+save, SQLite', unit: 'events/s' },
  'naive-postgres': { metric: 'naive: find+axios+save, PostgreSQL', unit: 'events/s' },
};

/**
 * The baselines on their own: how fast this machine POSTs to the loopback receiver with the best client
 * (raw), with a connection per request, and what a hand-written find/axios/save loop achieves. The
 * scenarios that compare with them reuse these measurements.
 */
export const baselinesScenario: BenchScenario = {
  name: 'baselines',
  title: `Baselines: raw undici pool, node:http one connection per request, naive TypeORM+axios (${BENCH_CONCURRENCY} in flight)`,
  async run(context) {
    const rows: ResultRow[] = [];
    const raw = await context.baseline('raw');
    rows.push(row('raw', raw));
    for (const name of ['node-http', 'naive-sqlite', 'naive-postgres'] as const) {
      rows.push(await compared(context, name, raw));
    }
    const floor = await arrivalFloor(await context.receiver(), context.quick ? 500 : 2000, makeEvents(1)[0].body);
    rows.push({
      scenario: 'baselines',
      metric: 'send → arrival p50, 1 at a time',
      value: floor.latencyMs.p50,
      unit: 'ms',
      verdict: '',
      note:
        `the floor of the latency scenario; p99 ${floor.latencyMs.p99.toFixed(3)} ms, ${floor.latencyMs.count} requests, ` +
        `${floor.missing} not recorded; receiver clock offset ${floor.clockOffsetMs.toFixed(3)} ± ${floor.clockUncertaintyMs.toFixed(3)} ms`,
    });
    return rows;
  },
};

async function compared(context: BenchContext, name: BaselineName, raw: BaselineResult): Promise<ResultRow> {
  try {
    const result = await context.baseline(name);
    return {
      ...row(name, result),
      baseline: raw.perSecond,
      baselineUnit: LABELS.raw.unit,
      baselineLabel: 'raw',
      ratio: result.perSecond / raw.perSecond,
    };
  } catch (error) {
    if (!(error instanceof BenchSkip)) throw error;
    return { scenario: 'baselines', metric: LABELS[name].metric, value: null, verdict: 'skipped', note: error.message };
  }
}

function row(name: BaselineName, result: BaselineResult): ResultRow {
  const notes = [
    `latency p50 ${result.latencyMs.p50.toFixed(2)} / p99 ${result.latencyMs.p99.toFixed(2)} ms`,
    `${result.completed.toLocaleString('en-US')} in ${(result.elapsedMs / 1000).toFixed(1)} s`,
    `receiver saw ${result.receiverRequests.toLocaleString('en-US')} requests on ` +
      `${result.receiverConnections.toLocaleString('en-US')} connections (warm-up incl.)`,
  ];
  if (result.attemptsRecorded !== undefined)
    notes.push(`${result.attemptsRecorded.toLocaleString('en-US')} attempt rows`);
  if (result.errors) notes.push(`${result.errors} errors, first: ${result.firstError}`);
  return {
    scenario: 'baselines',
    metric: LABELS[name].metric,
    value: result.perSecond,
    unit: LABELS[name].unit,
    target: ANCHOR_RATES[name],
    verdict: '',
    note: notes.join('; '),
  };
}
