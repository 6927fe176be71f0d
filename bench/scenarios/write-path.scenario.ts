import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Column, Entity, type EntityManager, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookEvent } from '../../lib';
import { runClosedLoop } from '../support/closed-loop';
import { measureEach, type BenchDatabaseKind } from '../support/databases';
import { atLeast, atMost, type BenchContext, type BenchScenario, type ResultRow } from '../support/scenario';
import { alternate, formatRates, type SliceRunner, throughputPlan } from '../support/slices';
import { BenchApp } from '../support/webhooks-app';

/** Scenario 9's targets: what webhooks may cost the application's own writes. */
const RATE_TARGET = 0.75;
const P99_TARGET = 2;
/** Application requests in flight at once. */
const CONCURRENCY = 64;

const LABEL: Record<BenchDatabaseKind, string> = {
  postgres: 'PostgreSQL',
  sqlite: 'SQLite (WAL, synchronous = NORMAL)',
};

/** The application's own entity. */
@Entity('bench_contact')
class BenchContact {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 200 })
  email!: string;
}

/** The transaction a request runs in, found by the module through `transactionManager` (as an app's CLS would). */
const transactions = new AsyncLocalStorage<EntityManager>();

interface NewContact {
  name: string;
  email: string;
}

/** Contender A: the application's service, saving a contact in the request's transaction. */
@Injectable()
class PlainContacts {
  async create(input: NewContact): Promise<BenchContact> {
    return transactions.getStore()!.getRepository(BenchContact).save(Object.assign(new BenchContact(), input));
  }
}

/** Contender B: the same method, raising `contact.created` with the saved contact. */
@Injectable()
class WebhookContacts {
  @WebhookEvent('contact.created')
  async create(input: NewContact): Promise<BenchContact> {
    return transactions.getStore()!.getRepository(BenchContact).save(Object.assign(new BenchContact(), input));
  }
}

@Module({
  imports: [TypeOrmModule.forFeature([BenchContact])],
  providers: [PlainContacts, WebhookContacts],
})
class ContactsBenchModule {}

/**
 * Scenario 9 (`write-path`): what webhooks cost the application's own writes. 64 concurrent requests, each
 * an application transaction (`dataSource.transaction`, TypeORM's default pool) that inserts one contact.
 * A: the method alone. B: the same method with `@WebhookEvent('contact.created')`, one subscription on the
 * receiver, its deliveries sent and recorded meanwhile. Alternating slices; after each B slice the engine
 * finishes what that slice raised before the next slice starts (reported), so that A never runs beside
 * B's deliveries.
 */
export const writePathScenario: BenchScenario = {
  name: 'write-path',
  title: "The application's own writes, with and without @WebhookEvent",
  run: (context) =>
    measureEach(
      'write-path',
      ['postgres', 'sqlite'] as const,
      (kind) => `requests/s, ${LABEL[kind]}`,
      (kind) => measure(context, kind),
    ),
};

async function measure(context: BenchContext, kind: BenchDatabaseKind): Promise<ResultRow[]> {
  const receiver = await context.receiver();
  await receiver.reset();
  const path = `write-path-${kind}`;
  const app = await BenchApp.start({
    database: kind,
    recordDatabase: context.recordDatabase,
    imports: [ContactsBenchModule],
    webhooks: { transactionManager: () => transactions.getStore() },
  });
  try {
    // The application's own table, as its own migration would create it (in the benchmark's schema).
    const table = app.dataSource.getMetadata(BenchContact).tablePath;
    const id = kind === 'postgres' ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
    await app.dataSource.query(
      `CREATE TABLE ${table} (id ${id}, name VARCHAR(200) NOT NULL, email VARCHAR(200) NOT NULL)`,
    );
    await app.seedSubscriptions([{ to: receiver.url(`/${path}/contacts`), events: ['contact.created'] }]);
    const plain = app.context.get(PlainContacts);
    const withWebhooks = app.context.get(WebhookContacts);
    let sequence = 0;
    let drainMs = 0;
    let raisedByB = 0;
    const runner = (name: string, create: (input: NewContact) => Promise<BenchContact>): SliceRunner => ({
      name,
      run: async (durationMs) => {
        const result = await runClosedLoop({
          concurrency: CONCURRENCY,
          durationMs,
          task: async () => {
            const n = sequence++;
            const input = { name: `Contact ${n}`, email: `contact${n}@example.com` };
            await app.transaction((manager) => transactions.run(manager, () => create(input)));
            if (name === 'webhooks') raisedByB++;
          },
        });
        if (name === 'webhooks') {
          // What this slice raised is delivered and recorded before the next slice (not counted in either).
          const began = performance.now();
          await app.engine.whenIdle(120_000);
          drainMs += performance.now() - began;
        }
        return result;
      },
    });
    const results = await alternate(
      [runner('plain', (input) => plain.create(input)), runner('webhooks', (input) => withWebhooks.create(input))],
      throughputPlan(context.quick),
    );
    const a = results.get('plain')!;
    const b = results.get('webhooks')!;
    const stats = await receiver.stats();
    const received = stats.byPath[path] ?? 0;
    const counts = await app.attemptCounts();
    const ok =
      a.errors === 0 &&
      b.errors === 0 &&
      received === raisedByB &&
      stats.duplicates === 0 &&
      counts.pending === 0 &&
      counts.failed === 0;
    const check =
      `check ${ok ? 'ok' : 'FAILED'}: ${raisedByB.toLocaleString('en-US')} contacts saved with @WebhookEvent ` +
      `(warm-up incl.), receiver got ${received.toLocaleString('en-US')}${stats.duplicates ? ` (${stats.duplicates} duplicate ids)` : ''}, ` +
      `attempt rows ${counts.successful} successful, ${counts.pending} pending, ${counts.failed} failed` +
      `${a.errors + b.errors ? `; errors: ${a.firstError ?? b.firstError}` : ''}`;
    const rateRatio = b.perSecond / a.perSecond;
    const p99Ratio = b.p99Ms / a.p99Ms;
    const target = kind === 'postgres';
    return [
      {
        scenario: 'write-path',
        metric: `requests/s with @WebhookEvent, ${LABEL[kind]}`,
        value: b.perSecond,
        unit: 'req/s',
        baseline: a.perSecond,
        baselineLabel: 'the same transaction without, same slices',
        ratio: rateRatio,
        target: target ? `≥ ${RATE_TARGET}× without` : '(vs without)',
        verdict: !ok ? 'FAIL' : target ? atLeast(rateRatio, RATE_TARGET) : '',
        note:
          `slices ${formatRates(b.sliceRates)} (without ${formatRates(a.sliceRates)}); ` +
          `after the B slices the engine took ${(drainMs / 1000).toFixed(1)} s in all to finish their deliveries; ${check}`,
      },
      {
        scenario: 'write-path',
        metric: `transaction p99 with @WebhookEvent, ${LABEL[kind]}`,
        value: b.p99Ms,
        unit: 'ms',
        baseline: a.p99Ms,
        baselineLabel: 'p99 without, same slices',
        ratio: p99Ratio,
        target: target ? `≤ ${P99_TARGET}× without` : '(vs without)',
        verdict: !ok ? 'FAIL' : target ? atMost(p99Ratio, P99_TARGET) : '',
        note: `p50 ${b.p50Ms.toFixed(2)} ms (without ${a.p50Ms.toFixed(2)} ms); medians of the slices' percentiles`,
      },
    ];
  } finally {
    await app.close();
  }
}
