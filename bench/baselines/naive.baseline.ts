import axios from 'axios';
import type { DataSource } from 'typeorm';
import { runClosedLoop, type ClosedLoopResult, type LoadBudget } from '../support/closed-loop';
import type { BenchEvent } from '../support/payloads';
import { NaiveAttempt, NaiveSubscription } from './naive.entities';

/** Options of {@link seedNaiveSubscriptions}. */
export interface NaiveSeedOptions {
  /** Where every subscription points. */
  url: string;
  /** The event types to subscribe to. */
  eventTypes: readonly string[];
  /** Subscriptions per event type. @default 1 */
  perEvent?: number;
}

/** Creates the naive baseline's subscriptions (the data source must hold {@link NAIVE_ENTITIES}). */
export async function seedNaiveSubscriptions(dataSource: DataSource, options: NaiveSeedOptions): Promise<number> {
  const rows = options.eventTypes.flatMap((event) =>
    Array.from({ length: options.perEvent ?? 1 }, () => ({ event, url: options.url, active: true })),
  );
  await dataSource.getRepository(NaiveSubscription).insert(rows);
  return rows.length;
}

/** Options of {@link naive}. */
export interface NaiveOptions extends LoadBudget {
  /** A data source holding the naive entities, with subscriptions seeded. */
  dataSource: DataSource;
  /** The events, used round-robin. */
  events: readonly BenchEvent[];
  /** Events handled at once. @default 64 */
  concurrency?: number;
  /** Unmeasured warm-up before the measured part. @default 0 */
  warmupMs?: number;
}

/** What the naive baseline measured; `completed` counts events, each fully delivered and recorded. */
export interface NaiveResult extends ClosedLoopResult {
  /** Attempt rows written in the measured part (warm-up excluded). */
  attemptsRecorded: number;
}

/**
 * The "naive" baseline: what users write by hand when they have no webhook module. For each event: a
 * TypeORM `find` of the matching subscriptions, then, one subscription after another, an `axios.post`
 * and a `save` of an attempt row. No outbox (a crash loses deliveries), no retries, no signing.
 *
 * axios is used with its defaults, as such code does: in Node its http adapter goes through
 * `follow-redirects` (up to 21 redirects), has no timeout, JSON-serializes the payload object, parses the
 * response, and uses Node's `http.globalAgent` — which since Node 19 keeps connections alive
 * (`keepAlive: true`, 5 s idle timeout, no socket limit), so this baseline does reuse connections.
 * The data source keeps its defaults too (TypeORM's PostgreSQL pool: 10 connections; SQLite: one).
 */
export async function naive(options: NaiveOptions): Promise<NaiveResult> {
  const { dataSource, events, concurrency = 64 } = options;
  const subscriptions = dataSource.getRepository(NaiveSubscription);
  const attempts = dataSource.getRepository(NaiveAttempt);

  const handleEvent = async (index: number) => {
    const event = events[index % events.length];
    const targets = await subscriptions.find({ where: { event: event.type, active: true } });
    let failure: Error | undefined;
    for (const subscription of targets) {
      const started = Date.now();
      const attempt = attempts.create({
        subscriptionId: subscription.id,
        event: event.type,
        url: subscription.url,
        requestBody: event.body,
        statusCode: null,
        error: null,
      });
      try {
        const response = await axios.post(subscription.url, event.payload, {
          headers: { 'webhook-id': `naive_${index}_${subscription.id}` },
        });
        attempt.statusCode = response.status;
        attempt.success = true;
      } catch (error) {
        attempt.statusCode = axios.isAxiosError(error) ? (error.response?.status ?? null) : null;
        attempt.success = false;
        attempt.error = String(error);
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
      attempt.durationMs = Date.now() - started;
      await attempts.save(attempt);
    }
    if (failure) throw failure;
  };

  if (options.warmupMs) {
    await runClosedLoop({ concurrency, durationMs: options.warmupMs, task: handleEvent });
  }
  // Count what the measured part adds, so that warm-up attempts are left out.
  const before = await attempts.count();
  const result = await runClosedLoop({
    concurrency,
    count: options.count,
    durationMs: options.durationMs,
    task: handleEvent,
  });
  return { ...result, attemptsRecorded: (await attempts.count()) - before };
}
