import { measureEach, type BenchDatabaseKind } from '../support/databases';
import { makeEvents } from '../support/payloads';
import type { Receiver } from '../support/receiver.client';
import { atMost, type BenchContext, type BenchScenario, type ResultRow } from '../support/scenario';
import { BenchApp } from '../support/webhooks-app';

/** Scenario 5's size and target (on PostgreSQL). */
export const FANOUT_SUBSCRIPTIONS = 10_000;
const TARGET_SECONDS = 5;
/** Subscriptions of the warm-up event (connections, JIT), another event type. */
const WARMUP_SUBSCRIPTIONS = 200;

const LABEL: Record<BenchDatabaseKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** What one fan-out took. */
export interface FanoutResult {
  attempts: number;
  /** From the dispatch call to the commit resolving: matching, rendering, 10k outbox rows. */
  commitMs: number;
  /** From the dispatch call to the last attempt's successful result committed. */
  totalMs: number;
  messageId: string;
  /** Attempt rows of the message, by status, once idle. */
  rows: { pending: number; successful: number; failed: number };
  setupSeconds: number;
}

/** An application with {@link FANOUT_SUBSCRIPTIONS} subscriptions to `fanout.create`, and a way to raise it. */
export class FanoutBench {
  private constructor(
    readonly app: BenchApp,
    readonly setupSeconds: number,
  ) {}

  static async start(
    kind: BenchDatabaseKind,
    receiver: { url(path: string): string },
    recordDatabase?: BenchContext['recordDatabase'],
  ): Promise<FanoutBench> {
    const app = await BenchApp.start({ database: kind, recordDatabase });
    try {
      const began = performance.now();
      await app.seedSubscriptions([
        ...Array.from({ length: WARMUP_SUBSCRIPTIONS }, (_, k) => ({
          to: receiver.url(`/fanout-warmup/${k}`),
          events: ['warmup.create'],
        })),
        ...Array.from({ length: FANOUT_SUBSCRIPTIONS }, (_, k) => ({
          to: receiver.url(`/fanout/${k}`),
          events: ['fanout.create'],
        })),
      ]);
      return new FanoutBench(app, (performance.now() - began) / 1000);
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  /** Raises the warm-up event and waits until it is delivered and recorded. */
  async warmUp(): Promise<void> {
    const result = await this.app.transaction((manager) =>
      this.app.dispatcher.dispatch('warmup.create', makeEvents(1)[0].payload, { manager }),
    );
    await Promise.all(result.attempts.map((attempt) => this.app.completions.wait(attempt.id)));
    await this.app.engine.whenIdle(60_000);
  }

  /** Raises `fanout.create` in an application transaction and waits until every attempt is recorded successful. */
  async fanOut(): Promise<FanoutResult> {
    const payload = makeEvents(1, ['fanout.create'], 11)[0].payload;
    const start = performance.now();
    const result = await this.app.transaction((manager) =>
      this.app.dispatcher.dispatch('fanout.create', payload, { manager }),
    );
    const committed = performance.now();
    await Promise.all(result.attempts.map((attempt) => this.app.completions.wait(attempt.id)));
    const done = performance.now();
    await this.app.engine.whenIdle(60_000);
    return {
      attempts: result.attempts.length,
      commitMs: committed - start,
      totalMs: done - start,
      messageId: result.messageId,
      rows: await this.app.attemptCounts(result.messageId),
      setupSeconds: this.setupSeconds,
    };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/**
 * Scenario 5: one event raised in an application transaction reaches 10,000 database subscriptions;
 * the time until every attempt is delivered and its successful result committed. PostgreSQL has the
 * target; SQLite is measured too.
 */
export const fanoutScenario: BenchScenario = {
  name: 'fanout',
  title: 'Fan-out: one event to 10,000 subscriptions, all delivered and recorded',
  run: (context) =>
    measureEach(
      'fanout',
      ['postgres', 'sqlite'] as const,
      (kind) => `1 event → 10k subs, ${LABEL[kind]}`,
      async (kind) => [await measure(context, kind)],
    ),
};

async function measure(context: BenchContext, kind: BenchDatabaseKind): Promise<ResultRow> {
  const receiver: Receiver = await context.receiver();
  const bench = await FanoutBench.start(kind, receiver, context.recordDatabase);
  try {
    await bench.warmUp();
    await receiver.reset();
    const result = await bench.fanOut();
    const stats = await receiver.stats();
    const delivered = stats.byPath.fanout ?? 0;
    const ok =
      result.attempts === FANOUT_SUBSCRIPTIONS &&
      delivered === FANOUT_SUBSCRIPTIONS &&
      result.rows.successful === FANOUT_SUBSCRIPTIONS &&
      result.rows.pending === 0 &&
      result.rows.failed === 0;
    const seconds = result.totalMs / 1000;
    return {
      scenario: 'fanout',
      metric: `1 event → 10k subs, ${LABEL[kind]}`,
      value: seconds,
      unit: 's',
      target: kind === 'postgres' ? `≤ ${TARGET_SECONDS} s` : '(no target)',
      verdict: !ok ? 'FAIL' : kind === 'postgres' ? atMost(seconds, TARGET_SECONDS) : '',
      note:
        `dispatch + commit of ${result.attempts.toLocaleString('en-US')} outbox rows ${result.commitMs.toFixed(0)} ms, then ` +
        `${Math.round((result.attempts * 1000) / (result.totalMs - result.commitMs)).toLocaleString('en-US')} deliveries/s recorded; ` +
        `check ${ok ? 'ok' : 'FAILED'}: receiver got ${delivered.toLocaleString('en-US')} (all with the message's one webhook-id; ` +
        `${stats.connections} new connections besides the warm-up's), ` +
        `rows ${result.rows.successful.toLocaleString('en-US')} successful, ${result.rows.pending} pending, ${result.rows.failed} failed; ` +
        `setup (${(FANOUT_SUBSCRIPTIONS + WARMUP_SUBSCRIPTIONS).toLocaleString('en-US')} subscriptions) ${result.setupSeconds.toFixed(1)} s`,
    };
  } finally {
    await bench.close();
  }
}
