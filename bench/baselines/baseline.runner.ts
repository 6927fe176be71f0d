import type { ClosedLoopResult } from '../support/closed-loop';
import { openBenchDatabase, type BenchDatabaseKind } from '../support/databases';
import { BENCH_EVENT_TYPES, makeEvents } from '../support/payloads';
import type { Receiver } from '../support/receiver.client';
import type { BaselineName, BaselineResult } from '../support/scenario';
import { NAIVE_ENTITIES } from './naive.entities';
import { naive, seedNaiveSubscriptions } from './naive.baseline';
import { nodeHttpOneConnection } from './node-http.baseline';
import { rawUndici } from './raw-undici.baseline';

/** Requests (or events) in flight in every baseline and throughput scenario. */
export const BENCH_CONCURRENCY = 64;

/** What a baseline needs from the run. */
export interface BaselineRunContext {
  quick: boolean;
  receiver(): Promise<Receiver>;
  recordDatabase(kind: string, version: string): void;
}

/** Run lengths: long enough for a stable rate, short enough for `--quick` to stay under 2 minutes. */
export function baselineBudget(quick: boolean): { warmupMs: number; durationMs: number } {
  return quick ? { warmupMs: 500, durationMs: 3_000 } : { warmupMs: 1_000, durationMs: 10_000 };
}

/** Measures one baseline against the receiver (which is reset first). */
export async function measureBaseline(name: BaselineName, context: BaselineRunContext): Promise<BaselineResult> {
  const receiver = await context.receiver();
  const events = makeEvents(1000);
  const bodies = events.map((event) => event.body);
  const budget = { ...baselineBudget(context.quick), concurrency: BENCH_CONCURRENCY };
  const withReceiverCount = async (run: () => Promise<ClosedLoopResult & { attemptsRecorded?: number }>) => {
    await receiver.reset();
    const result = await run();
    const stats = await receiver.stats();
    return { ...result, receiverRequests: stats.requests, receiverConnections: stats.connections };
  };

  switch (name) {
    case 'raw':
      return withReceiverCount(() => rawUndici({ url: receiver.url('/raw'), bodies, ...budget }));
    case 'node-http':
      return withReceiverCount(() => nodeHttpOneConnection({ url: receiver.url('/node-http'), bodies, ...budget }));
    case 'naive-sqlite':
    case 'naive-postgres': {
      const kind: BenchDatabaseKind = name === 'naive-sqlite' ? 'sqlite' : 'postgres';
      const database = await openBenchDatabase(kind, NAIVE_ENTITIES);
      context.recordDatabase(kind, database.version);
      try {
        await seedNaiveSubscriptions(database.dataSource, {
          url: receiver.url('/naive'),
          eventTypes: BENCH_EVENT_TYPES,
        });
        return await withReceiverCount(() => naive({ dataSource: database.dataSource, events, ...budget }));
      } finally {
        await database.drop();
      }
    }
  }
}
