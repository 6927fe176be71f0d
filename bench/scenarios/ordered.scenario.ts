import type { WebhooksModuleOptions } from '../../lib';
import { BenchSkip, type BenchDatabaseKind } from '../support/databases';
import { Fleet, type FleetCheck, type FleetOptions } from '../support/fleets';
import { fleetRunner } from '../support/runners';
import type { BenchContext, BenchScenario, ResultRow } from '../support/scenario';
import { alternate, formatRates, throughputPlan } from '../support/slices';
import { BENCH_EVENT_TYPES } from '../support/payloads';
import { BenchApp } from '../support/webhooks-app';

/** Ordering keys the ordered events spread over. */
const KEYS = 100;

const LABEL: Record<BenchDatabaseKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * Database subscriptions, one per event type of the fixtures; events raised with an ordering key out of
 * {@link KEYS} (`orderingKeys: KEYS`) or without one (`0`).
 */
class OrderingFleet extends Fleet {
  constructor(
    app: BenchApp,
    path: string,
    private readonly keys: number,
  ) {
    super(app, path);
  }

  static async start(kind: BenchDatabaseKind, options: FleetOptions, keys: number, app?: BenchApp) {
    const shared =
      app ??
      (await BenchApp.start({ database: kind, recordDatabase: options.recordDatabase, webhooks: options.webhooks }));
    if (!app) {
      await shared.seedSubscriptions(
        BENCH_EVENT_TYPES.map((type) => ({ to: `${options.origin}/${options.path}/${type}`, events: [type] })),
      );
    }
    return new OrderingFleet(shared, options.path, keys);
  }

  protected event(index: number) {
    const event = this.events[index % this.events.length];
    return { name: event.type, payload: event.payload };
  }

  protected override dispatchOptions(index: number) {
    return this.keys === 0 ? {} : { orderingKey: `k${index % this.keys}` };
  }

  async verify(receiverCount: number, receiverDuplicates: number): Promise<FleetCheck> {
    await this.app.engine.whenIdle();
    const { ok, parts } = this.common(receiverCount, receiverDuplicates);
    return { ok, summary: `check ${ok ? 'ok' : 'FAILED'}: ${parts.join(', ')}` };
  }
}

/**
 * Ordered delivery's cost: events/s with an ordering key out of {@link KEYS} against events without one,
 * on one application and database (two fleets over it), in alternating slices; 64 events in flight, each
 * raised in an application transaction and waited for until recorded. Ordered attempts are claimed after
 * their commit (with the look for an earlier one of their key) instead of being handed over already leased.
 */
export const orderedScenario: BenchScenario = {
  name: 'ordered',
  title: 'Ordered delivery (100 keys) against unordered: SQLite and PostgreSQL',
  async run(context) {
    const rows: ResultRow[] = [];
    for (const kind of ['sqlite', 'postgres'] as const) {
      try {
        rows.push(await measure(context, kind));
      } catch (error) {
        if (!(error instanceof BenchSkip)) throw error;
        rows.push({
          scenario: 'ordered',
          metric: `events/s, ${KEYS} ordering keys / unordered, ${LABEL[kind]}`,
          value: null,
          verdict: 'skipped',
          note: error.message,
        });
      }
    }
    return rows;
  },
};

async function measure(context: BenchContext, kind: BenchDatabaseKind): Promise<ResultRow> {
  const receiver = await context.receiver();
  await receiver.reset();
  const path = `ordered-${kind}`;
  const webhooks: WebhooksModuleOptions = { delivery: { concurrency: 64, pollInterval: 100 } };
  const options = { origin: receiver.url(''), path, recordDatabase: context.recordDatabase, webhooks };
  const unordered = await OrderingFleet.start(kind, options, 0);
  try {
    const ordered = await OrderingFleet.start(kind, options, KEYS, unordered.app);
    const results = await alternate(
      [fleetRunner('unordered', unordered, 'transaction'), fleetRunner('ordered', ordered, 'transaction')],
      throughputPlan(context.quick),
    );
    const stats = await receiver.stats();
    const received = stats.byPath[path] ?? 0;
    await unordered.app.engine.whenIdle();
    const raised = unordered.dispatched + ordered.dispatched;
    const { succeeded, failed } = unordered.app.completions;
    const ok = received === raised && stats.duplicates === 0 && succeeded === raised && failed === 0;
    const o = results.get('ordered')!;
    const u = results.get('unordered')!;
    return {
      scenario: 'ordered',
      metric: `events/s, ${KEYS} ordering keys / unordered, ${LABEL[kind]}`,
      value: o.perSecond,
      unit: 'events/s',
      baseline: u.perSecond,
      baselineLabel: 'unordered, same app, same slices',
      ratio: o.perSecond / u.perSecond,
      target: '(ratio, no target)',
      verdict: ok ? '' : 'FAIL',
      note:
        `slices ordered ${formatRates(o.sliceRates)}, unordered ${formatRates(u.sliceRates)}; event latency p50 ordered ` +
        `${o.p50Ms.toFixed(1)} / unordered ${u.p50Ms.toFixed(1)} ms; check ${ok ? 'ok' : 'FAILED'}: ${raised} raised, ` +
        `receiver got ${received}${stats.duplicates ? ` (${stats.duplicates} duplicates)` : ''}, ${succeeded} successful, ${failed} failed`,
    };
  } finally {
    await unordered.close();
  }
}
