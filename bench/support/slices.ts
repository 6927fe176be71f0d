import type { ClosedLoopResult } from './closed-loop';

/** One contender of {@link alternate}: runs itself for about `durationMs` and says what it did. */
export interface SliceRunner {
  name: string;
  run(
    durationMs: number,
  ): Promise<Pick<ClosedLoopResult, 'completed' | 'elapsedMs' | 'errors' | 'firstError' | 'latencyMs'>>;
}

/** How {@link alternate} splits the time. */
export interface SlicePlan {
  /** Unmeasured run of each contender first (connections, JIT, caches). */
  warmupMs: number;
  /** Rounds; each runs every contender once. */
  rounds: number;
  /** Length of one contender's slice. */
  sliceMs: number;
}

/** A contender's totals over its slices. */
export interface AlternatedResult {
  completed: number;
  elapsedMs: number;
  errors: number;
  firstError?: string;
  /** Total completed / total elapsed. */
  perSecond: number;
  /** The rate of each slice, in the order run. */
  sliceRates: number[];
  /** The median of the slices' p50 / p99 latencies (ms). */
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs the contenders in short alternating slices (the starting one rotating each round), so that a
 * change in the machine's load during the run (other work on 2 shared cores) hits them alike; a ratio of
 * their totals is then much steadier than one of two long runs taken minutes apart.
 */
export async function alternate(
  runners: readonly SliceRunner[],
  plan: SlicePlan,
): Promise<Map<string, AlternatedResult>> {
  const results = new Map<string, AlternatedResult>(
    runners.map((runner) => [
      runner.name,
      { completed: 0, elapsedMs: 0, errors: 0, perSecond: NaN, sliceRates: [], p50Ms: NaN, p99Ms: NaN },
    ]),
  );
  const p50s = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  const p99s = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  if (plan.warmupMs > 0) for (const runner of runners) await runner.run(plan.warmupMs);
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < runners.length; i++) {
      const runner = runners[(i + round) % runners.length];
      const slice = await runner.run(plan.sliceMs);
      const total = results.get(runner.name)!;
      total.completed += slice.completed;
      total.elapsedMs += slice.elapsedMs;
      total.errors += slice.errors;
      total.firstError ??= slice.firstError;
      total.sliceRates.push((slice.completed * 1000) / slice.elapsedMs);
      p50s.get(runner.name)!.push(slice.latencyMs.p50);
      p99s.get(runner.name)!.push(slice.latencyMs.p99);
    }
  }
  for (const [name, total] of results) {
    total.perSecond = (total.completed * 1000) / total.elapsedMs;
    total.p50Ms = median(p50s.get(name)!);
    total.p99Ms = median(p99s.get(name)!);
  }
  return results;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The slice plan of the throughput scenarios: quick stays well inside its 2 minutes. */
export function throughputPlan(quick: boolean): SlicePlan {
  return quick ? { warmupMs: 500, rounds: 3, sliceMs: 700 } : { warmupMs: 2_000, rounds: 5, sliceMs: 2_000 };
}

/** "12,345 / 13,000 / 12,900" */
export function formatRates(rates: readonly number[]): string {
  return rates.map((rate) => Math.round(rate).toLocaleString('en-US')).join(' / ');
}
