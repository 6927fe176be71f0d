/**
 * Scenario 6's measuring process (forked on plain `node --expose-gc` by memory.scenario.ts, so that
 * nothing else of the benchmark sits in its heap). The parent has written 100k subscriptions into a
 * SQLite database (`BENCH_DATABASE`); this process starts the application on it the way a restarted
 * application does (Nest, TypeORM, the webhooks module, whose index loads every active subscription at
 * bootstrap), then puts 10k attempts in flight, and reports its RSS at each step.
 *
 * The subscriptions point at the receiver's `/hold/` path, which does not answer until released: the
 * engine has `delivery.concurrency` (64) requests out and the rest of the 10k queued under its lease, as
 * it would with a slow or stalled destination.
 *
 * Protocol: the child sends `{ op: 'holding', attempts }` once the attempts are handed to the engine; the
 * parent answers `{ op: 'measure' }` when the receiver holds the requests; the child sends its report.
 */
import 'reflect-metadata';
import type { DataSourceOptions } from 'typeorm';
import { getHeapSpaceStatistics } from 'node:v8';
import { makeEvents } from '../support/payloads';
import { pick, seededRandom } from '../support/rng';
import { buildScopeTree, LOOKUP_EVENT_TYPES } from '../support/subscription-fixtures';
import { BenchApp } from '../support/webhooks-app';

/** What the child reports to memory.scenario.ts. */
export interface MemoryChildReport {
  op: 'report';
  gcExposed: boolean;
  /** The code loaded (Nest, TypeORM, better-sqlite3, the module), nothing started. */
  before: MemoryReading;
  /** The application started on the database: every subscription in the registry's index. */
  withSubscriptions: MemoryReading;
  subscriptions: number;
  /** Seconds the application took to start (the index load included). */
  bootSeconds: number;
  /** RSS right after the start, before collecting garbage (the index loads synchronously: no sampling inside it). */
  rssAfterStart: number;
  /** With the attempts in flight as well. */
  withAttemptsInFlight: MemoryReading;
  attemptsInFlight: number;
  /** Events raised to get there (each reaches the subscriptions of a random leaf scope's lineage). */
  events: number;
  /** The engine's `load` (queued + in flight) at the reading. */
  engineLoad: number;
}

/** The messages between the child and the parent besides the report. */
export type MemoryChildMessage = { op: 'holding'; attempts: number } | { op: 'measure' };

/** What the child reports with `BENCH_MEMORY_MODE=start`: starting the application alone, nothing sent. */
export interface MemoryStartReport {
  op: 'started';
  subscriptions: number;
  bootSeconds: number;
  /** RSS right after the start, and once its garbage is collected (as {@link settle} reads it). */
  rssAfterStart: number;
  settled: MemoryReading;
}

export const ATTEMPTS_IN_FLIGHT = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;

/** A reading of this process's memory. */
export interface MemoryReading {
  usage: NodeJS.MemoryUsage;
  /** RSS right after the forced collections, before V8 shrank the young generation it grew. */
  rssAtGc: number;
  /** The young generation's committed size then, and at the reading (bytes). */
  youngAtGc: number;
  young: number;
  /** Milliseconds until V8 shrank the young generation, or `null` if it had not within the deadline. */
  youngReleasedAfterMs: number | null;
  /** How long the reading was allowed to wait. */
  deadlineMs: number;
}

/** How long a reading waits for V8 to shrink the young generation (set by memory.scenario.ts). */
const YOUNG_RELEASE_DEADLINE_MS = Number(process.env.BENCH_SETTLE_MS ?? 20_000);
/** A young generation at most this size counts as shrunk back (V8 starts it at 1 MB; loading grows it to 32 MB). */
const YOUNG_RELEASED_BYTES = 4 * 2 ** 20;

function youngGeneration(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Full collections, so that the reading is what is live, not garbage waiting; then the settled reading.
 * Loading 100k rows (or, before that, the code) survives so many young collections that V8 grows the young
 * generation to its maximum (2 × 16 MB here), and keeps it until its memory reducer (no flag: part of every
 * Node process) finds the process quiet and shrinks it — about 8 s later in most readings, later or not at
 * all in others. A steady server spends its life in that state, so the reading waits for it, on the real
 * condition (the young generation's committed size) with a deadline; the notes give the reading right after
 * the collections too, and say when the deadline passed.
 */
async function settle(): Promise<MemoryReading> {
  if (gc) for (let i = 0; i < 3; i++) gc();
  const rssAtGc = process.memoryUsage.rss();
  const youngAtGc = youngGeneration();
  const began = performance.now();
  let youngReleasedAfterMs: number | null = null;
  for (;;) {
    if (youngGeneration() <= YOUNG_RELEASED_BYTES) {
      youngReleasedAfterMs = performance.now() - began;
      break;
    }
    if (performance.now() - began >= YOUNG_RELEASE_DEADLINE_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // No gc() here: a forced full collection postpones the memory reducer, and nothing was allocated meanwhile.
  return {
    usage: process.memoryUsage(),
    rssAtGc,
    youngAtGc,
    young: youngGeneration(),
    youngReleasedAfterMs,
    deadlineMs: YOUNG_RELEASE_DEADLINE_MS,
  };
}

/**
 * Raises events in random leaf scopes (each reaches ≈ 49 of the 100k subscriptions) until at least `count`
 * attempts are held by the engine.
 */
async function loadAttemptsInFlight(app: BenchApp, count: number): Promise<{ attempts: number; events: number }> {
  const tree = buildScopeTree();
  const random = seededRandom(3);
  const payload = makeEvents(1)[0].payload;
  let attempts = 0;
  let events = 0;
  while (attempts < count) {
    const result = await app.dispatcher.dispatch(pick(random, LOOKUP_EVENT_TYPES), payload, {
      scope: pick(random, tree.leaves),
    });
    attempts += result.attempts.length;
    events++;
  }
  return { attempts, events };
}

function parentSays(op: MemoryChildMessage['op']): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: MemoryChildMessage) => {
      if (message.op !== op) return;
      process.off('message', listener);
      resolve();
    };
    process.on('message', listener);
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_DATABASE ?? 'null') as DataSourceOptions | null;
  if (!options) throw new Error('BENCH_DATABASE is not set (memory.scenario.ts sets it)');
  const before = await settle();

  const began = performance.now();
  const app = await BenchApp.start({
    database: { kind: 'sqlite', options, version: '', drop: async () => undefined },
    // A short shutdown: the requests held at the receiver are not worth waiting for. The held requests must
    // not time out while the reading waits (up to 20 s).
    webhooks: { delivery: { shutdownTimeout: 2_000, timeout: 60_000 } },
  });
  const bootSeconds = (performance.now() - began) / 1000;
  const rssAfterStart = process.memoryUsage.rss();
  const withSubscriptions = await settle();
  const subscriptions = app.registry.size;
  if (process.env.BENCH_MEMORY_MODE === 'start') {
    const started: MemoryStartReport = {
      op: 'started',
      subscriptions,
      bootSeconds,
      rssAfterStart,
      settled: withSubscriptions,
    };
    process.send!(started, () => void app.close().then(() => process.exit(0)));
    return;
  }

  const { attempts, events } = await loadAttemptsInFlight(app, ATTEMPTS_IN_FLIGHT);
  const measure = parentSays('measure');
  process.send!({ op: 'holding', attempts } satisfies MemoryChildMessage);
  await measure;
  const withAttemptsInFlight = await settle();
  const report: MemoryChildReport = {
    op: 'report',
    gcExposed: typeof gc === 'function',
    before,
    withSubscriptions,
    subscriptions,
    bootSeconds,
    rssAfterStart,
    withAttemptsInFlight,
    attemptsInFlight: attempts,
    events,
    engineLoad: app.engine.load,
  };
  // The parent releases the held requests when it has the report; then the application shuts down (the
  // queued attempts handed back to the database).
  process.send!(report, () => {
    setTimeout(() => process.exit(0), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
