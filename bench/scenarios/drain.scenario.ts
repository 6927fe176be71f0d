import { WebhookDeliveryAttempt } from '../../lib/entities/webhook-delivery-attempt.entity';
import { rawUndici } from '../baselines/raw-undici.baseline';
import { BENCH_CONCURRENCY } from '../baselines/baseline.runner';
import { measureEach } from '../support/databases';
import { makeEvents } from '../support/payloads';
import { atLeast, type BenchContext, type BenchScenario, type ResultRow } from '../support/scenario';
import { BenchApp } from '../support/webhooks-app';

/** Scenario 10's size and target. */
const ATTEMPTS = 20_000;
const SUBSCRIPTIONS = 1_000;
const RAW_TARGET = 0.35;

/**
 * Scenario 10 (`drain`): a backlog of {@link ATTEMPTS} due attempts for {@link SUBSCRIPTIONS} subscriptions on
 * PostgreSQL (an outage of the receivers just ended, or an instance restarted), worked off by one instance
 * until every result is recorded. The rows are written due while the engine is paused; the clock runs from
 * its resumption to the last recorded result. Compared with raw undici sending as
 * many requests, 64 in flight, measured just before in the same run.
 */
export const drainScenario: BenchScenario = {
  name: 'drain',
  title: `Draining ${ATTEMPTS.toLocaleString('en-US')} due attempts for ${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions, PostgreSQL`,
  run: (context) =>
    measureEach(
      'drain',
      ['postgres'] as const,
      () => 'recorded deliveries/s, PostgreSQL',
      () => measure(context),
    ),
};

async function measure(context: BenchContext): Promise<ResultRow[]> {
  const attempts = context.quick ? ATTEMPTS / 4 : ATTEMPTS;
  const receiver = await context.receiver();
  await receiver.reset();
  const path = 'drain';
  const app = await BenchApp.start({ database: 'postgres', recordDatabase: context.recordDatabase });
  try {
    const subscriptions = await app.seedSubscriptions(
      Array.from({ length: SUBSCRIPTIONS }, (_, k) => ({
        to: receiver.url(`/${path}/${k}`),
        events: [`drain${k}.create`],
      })),
    );
    const body = makeEvents(1)[0].body;
    const seeded = performance.now();
    app.engine.pause();
    await app.seedDueAttempts(subscriptions, attempts, body, new Date());
    // A table that has held attempts for a while has statistics; one filled a second ago has none yet
    // (autovacuum analyses it within a minute): without them PostgreSQL plans the claims as on an empty table.
    await app.dataSource.query(`ANALYZE ${app.dataSource.getMetadata(WebhookDeliveryAttempt).tablePath}`);
    context.log(
      `  ${attempts.toLocaleString('en-US')} attempts seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
    );

    const bodies = makeEvents(1000).map((event) => event.body);
    const raw = await rawUndici({
      url: receiver.url('/raw/drain'),
      bodies,
      concurrency: BENCH_CONCURRENCY,
      count: attempts,
      warmupMs: 300,
    });

    const began = performance.now();
    app.engine.resume();
    await app.completions.whenSettled(attempts, 300_000);
    const elapsedMs = performance.now() - began;
    await app.engine.whenIdle();

    const stats = await receiver.stats();
    const received = stats.byPath[path] ?? 0;
    const counts = await app.attemptCounts();
    const ok =
      received === attempts &&
      stats.duplicates === 0 &&
      app.completions.succeeded === attempts &&
      counts.pending === 0 &&
      counts.failed === 0;
    const perSecond = (attempts * 1000) / elapsedMs;
    const ratio = perSecond / raw.perSecond;
    return [
      {
        scenario: 'drain',
        metric: 'recorded deliveries/s, PostgreSQL, one instance',
        value: perSecond,
        unit: 'deliveries/s',
        baseline: raw.perSecond,
        baselineUnit: 'req/s',
        baselineLabel: `raw undici, ${attempts.toLocaleString('en-US')} requests just before`,
        ratio,
        target: `≥ ${RAW_TARGET}× raw`,
        verdict: ok ? atLeast(ratio, RAW_TARGET) : 'FAIL',
        note:
          `${attempts.toLocaleString('en-US')} attempts in ${(elapsedMs / 1000).toFixed(2)} s from made due to last result recorded; ` +
          `check ${ok ? 'ok' : 'FAILED'}: receiver got ${received.toLocaleString('en-US')}` +
          `${stats.duplicates ? ` (${stats.duplicates} duplicate ids)` : ''}, ${app.completions.succeeded.toLocaleString('en-US')} reported successful` +
          `${app.completions.failed ? `, ${app.completions.failed} failed (${app.completions.firstFailure})` : ''}; ` +
          `rows ${counts.successful.toLocaleString('en-US')} successful, ${counts.pending} pending, ${counts.failed} failed`,
      },
    ];
  } finally {
    await app.close();
  }
}
