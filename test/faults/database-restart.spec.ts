import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSourceOptions, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { WebhooksModuleOptions } from '../../lib';
import { createTestApp, type TestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { OutboxProbe } from '../support/outbox-probe';
import { TcpProxy } from '../support/tcp-proxy';

const SOAK = process.env.WEBHOOKS_SOAK === '1';
/** How long the database stays away. Shorter than the lease, so that no lease runs out meanwhile. */
const OUTAGE = SOAK ? 5_000 : 2_000;
const LEASE = OUTAGE * 4;
const BATCH = SOAK ? 1_000 : 100;
const CONCURRENCY = 16;

const targets = { allowHttp: true, allowPrivateNetworks: true };

/** Raises `count` events numbered from `from`, five per transaction; returns their message ids. */
async function raise(app: TestApp, from: number, count: number, extra: object = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let first = from; first < from + count; first += 5) {
    await app.dataSource.transaction(async (manager) => {
      for (let n = first; n < Math.min(first + 5, from + count); n++) {
        ids.push((await app.dispatcher.dispatch('db.test', { n, ...extra }, { manager })).messageId);
      }
    });
  }
  return ids;
}

describeEachDatabase(
  'the database server going away and coming back',
  (db) => {
    let ledger: DeliveryLedger;
    let proxy: TcpProxy;
    /** Answers to /db are held while `gate` is set. */
    let gate: Promise<void> | undefined;
    let openGate = () => {};

    beforeAll(async () => {
      ledger = await DeliveryLedger.start(async (entry) => {
        if (entry.path === '/db' && gate) await gate;
        return {};
      });
    });
    afterEach(async () => {
      openGate();
      await proxy?.close();
    });
    afterAll(() => ledger?.close());

    /** The suite's database, reached through a fresh proxy. */
    async function throughProxy(): Promise<{ database: DataSourceOptions; direct: DataSourceOptions }> {
      const direct = await db.another();
      const { host, port } = direct as { host: string; port: number };
      proxy = await TcpProxy.start(host, port);
      return {
        direct,
        database: { ...direct, host: '127.0.0.1', port: proxy.port, connectTimeoutMS: 2_000 } as DataSourceOptions,
      };
    }

    const options: WebhooksModuleOptions = {
      targets,
      attemptLimit: 100_000,
      retry: { attempts: 3, firstDelay: 200, jitter: 0, throttlePause: 0 },
      delivery: { leaseDuration: LEASE, pollInterval: 50, concurrency: CONCURRENCY, timeout: 10_000 },
    };

    it('reconnects and carries on; results of tries that ended while it was away are kept and written once it is back', async () => {
      const { database, direct } = await throughProxy();
      const app = await createTestApp(database, options);
      const probe = await OutboxProbe.open(direct);
      try {
        await app.subscriptions.create({ to: ledger.url('/db'), events: 'db.test' });
        const before = await raise(app, 0, BATCH);
        await probe.until((counts) => counts.successful === BATCH, 'the first events delivered');

        // Tries in flight when the server goes away: their answers come while it is away.
        gate = new Promise((resolve) => (openGate = resolve));
        const during = await raise(app, BATCH, BATCH);
        await ledger.until(() => ledger.unanswered === CONCURRENCY, 'a full set of tries in flight');
        const inFlight = ledger.entries.filter((entry) => entry.answeredAt === undefined).map((entry) => entry.id);
        proxy.cut();
        const cutAt = Date.now();
        openGate();
        gate = undefined;
        await ledger.until(() => ledger.unanswered === 0, 'the held tries answered');
        // The application learns that its own writes fail meanwhile; the event it tried to raise is not
        // sent later.
        await expect(raise(app, -1, 1, { outage: true })).rejects.toThrow();
        await sleep(Math.max(0, OUTAGE - (Date.now() - cutAt)));
        // Reconnections were tried and refused.
        expect(proxy.refused).toBeGreaterThan(0);
        proxy.restore();
        const restoredAt = Date.now();

        await probe.until(
          (counts) => counts.successful === 2 * BATCH,
          'the events raised before the outage delivered',
          60_000,
        );
        // Every try answered while the database was away (those in flight at the cut, and those the engine
        // went on sending from its queue) was recorded afterwards, and not sent again.
        const rows = new Map((await probe.attempts()).map((row) => [row.messageId, row]));
        const answeredMeanwhile = ledger.entries.filter(
          (entry) => entry.answeredAt! > cutAt && entry.answeredAt! < restoredAt,
        );
        expect(answeredMeanwhile.map((entry) => entry.id)).toEqual(expect.arrayContaining(inFlight));
        for (const { id } of answeredMeanwhile) {
          expect(ledger.tries('/db', id)).toHaveLength(1);
          expect(rows.get(id)).toMatchObject({ status: 'successful', attemptCount: 1 });
        }

        // New events after the outage: delivered through new connections.
        const after = await raise(app, 2 * BATCH, BATCH);
        await probe.until(
          (counts) => counts.successful === 3 * BATCH,
          'the events raised after the outage delivered',
          60_000,
        );
        await app.engine.whenIdle();
        const sent = ledger.ids('/db');
        for (const id of [...before, ...during, ...after]) expect(sent.has(id), id).toBe(true);
        expect(ledger.entries.filter((entry) => entry.json?.outage)).toEqual([]);
        expect((await probe.counts()).total).toBe(3 * BATCH);
        // Each try was sent once: nothing was resent because of the outage.
        expect(ledger.entries.filter((entry) => entry.path === '/db')).toHaveLength(3 * BATCH);
        expect(ledger.overlaps()).toEqual([]);
      } finally {
        await app.close();
        await probe.close();
      }
    }, 120_000);

    it('loses nothing, and does not crash the process, when the connection drops right after a commit', async () => {
      const { database, direct } = await throughProxy();
      const app = await createTestApp(database, options);
      const probe = await OutboxProbe.open(direct);
      try {
        await app.subscriptions.create({ to: ledger.url('/commit'), events: 'db.test' });
        // Cuts the connections the moment the next transaction has committed: the engine then claims the
        // new attempts (dispatched with an explicit id, so written unleased) on a dead connection.
        let armed: QueryRunner | undefined;
        let cut = false;
        const cutter: EntitySubscriberInterface = {
          afterTransactionCommit: (event) => {
            if (!armed || event.queryRunner !== armed) return;
            proxy.cut();
            cut = true;
          },
        };
        app.dataSource.subscribers.push(cutter);
        await app.dataSource.transaction(async (manager) => {
          armed = manager.queryRunner;
          await app.dispatcher.dispatch('db.test', { n: 1 }, { manager, id: 'after_commit_1' });
        });
        expect(cut).toBe(true);
        await sleep(OUTAGE / 4);
        proxy.restore();
        await ledger.until(
          () => ledger.ids('/commit').has('after_commit_1'),
          'the attempt delivered after the reconnection',
          30_000,
        );
        await probe.until((counts) => counts.successful === 1, 'the attempt recorded');
      } finally {
        await app.close();
        await probe.close();
      }
    }, 60_000);
  },
  ['postgres', 'mariadb'],
);
