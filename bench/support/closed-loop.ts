import { percentiles, SampleBuffer, type Percentiles } from './stats';

/** How long (or how much) a closed-loop run goes on. Exactly one of `count` and `durationMs`. */
export interface LoadBudget {
  /** Stop after this many operations in total. */
  count?: number;
  /** Stop starting new operations after this many milliseconds. */
  durationMs?: number;
}

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions extends LoadBudget {
  /** Operations in flight at once. @default 64 */
  concurrency?: number;
  /** Operations run (and not counted) before the measured part, to warm up connections and JIT. @default 0 */
  warmupMs?: number;
  /** One operation; `index` counts from 0 over the whole run, warm-up included. */
  task: (index: number) => Promise<void>;
  /** Give up after this many failed operations (the target is probably down). @default 100 */
  maxErrors?: number;
}

/** What a closed-loop run measured. */
export interface ClosedLoopResult {
  /** Operations that completed without error in the measured part. */
  completed: number;
  errors: number;
  /** The first error seen, for the report. */
  firstError?: string;
  elapsedMs: number;
  /** `completed` per second of `elapsedMs`. */
  perSecond: number;
  /** Per-operation latency in milliseconds. */
  latencyMs: Percentiles;
}

/**
 * Runs `task` in `concurrency` workers, each starting its next operation as soon as the previous one
 * ends (a closed loop, like a sender draining a backlog), and reports the rate of the measured part.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { task, concurrency = 64, warmupMs = 0, maxErrors = 100 } = options;
  if ((options.count === undefined) === (options.durationMs === undefined)) {
    throw new Error('runClosedLoop needs exactly one of `count` and `durationMs`');
  }
  let index = 0;
  let errors = 0;
  let firstError: string | undefined;
  const fail = (error: unknown) => {
    errors++;
    firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (errors >= maxErrors) throw new Error(`gave up after ${errors} failed operations; first: ${firstError}`);
  };

  if (warmupMs > 0) {
    const until = performance.now() + warmupMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          try {
            await task(index++);
          } catch (error) {
            fail(error);
          }
        }
      }),
    );
    errors = 0;
    firstError = undefined;
  }

  const latencies = new SampleBuffer(options.count ?? 65536);
  let started = 0;
  let completed = 0;
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const limit = options.count ?? Infinity;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < limit && performance.now() < deadline) {
        started++;
        const t0 = performance.now();
        try {
          await task(index++);
          latencies.push(performance.now() - t0);
          completed++;
        } catch (error) {
          fail(error);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  return {
    completed,
    errors,
    firstError,
    elapsedMs,
    perSecond: (completed * 1000) / elapsedMs,
    latencyMs: percentiles(latencies.toArray()),
  };
}
