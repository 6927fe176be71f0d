import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { OutboxProbe } from '../support/outbox-probe';

const targets = { allowHttp: true, allowPrivateNetworks: true };

describeEachDatabase(
  "the engine's work and the application's transactions",
  (db) => {
    let ledger: DeliveryLedger;
    let release!: () => void;
    beforeAll(async () => {
      const held = new Promise<void>((resolve) => (release = resolve));
      ledger = await DeliveryLedger.start(async (entry) => {
        if (entry.path === '/held') await held;
        return {};
      });
    });
    afterAll(async () => {
      release();
      await ledger?.close();
    });

    it('renews leases while an application transaction holds uncommitted outbox rows, and never deadlocks it', async () => {
      const lease = 1_500;
      const app = await createTestApp(db.options, {
        targets,
        attemptLimit: 1_000,
        delivery: { leaseDuration: lease, pollInterval: 50 },
      });
      const probe = await OutboxProbe.open(db.options);
      try {
        const held = await app.subscriptions.create({ to: ledger.url('/held'), events: 'held.test' });
        await app.subscriptions.create({ to: ledger.url('/raised'), events: 'raised.test' });
        // A try in flight, whose lease the engine renews every lease / 3 ms.
        await app.dispatcher.dispatch('held.test', {});
        await ledger.until(() => ledger.entries.length === 1, 'the held try');
        const heldLease = async () =>
          (await probe.attempts()).find((row) => row.subscriptionId === held.id)!.leaseUntil!;

        let renewed = false;
        await app.dataSource.transaction(async (manager) => {
          // An uncommitted pending row, leased (due when its lease ends) ...
          await app.dispatcher.dispatch('raised.test', { n: 1 }, { manager });
          // ... must not hold up renewals (on MariaDB one scanning the pending rows waited for it) ...
          const before = await heldLease();
          const deadline = Date.now() + lease;
          while (!renewed && Date.now() < deadline) {
            await sleep(25);
            renewed = (await heldLease()) > before;
          }
          // ... nor take part in a deadlock: this row, due now, sorts before the rows such a renewal had
          // locked on its way, and InnoDB rolled the application's transaction back.
          await app.dispatcher.dispatch('raised.test', { n: 2 }, { manager, id: 'raised_explicit' });
        });
        expect(renewed).toBe(true);
        await ledger.until(() => ledger.ids('/raised').size === 2, 'both events delivered');
      } finally {
        release();
        await app.close();
        await probe.close();
      }
    });

    it('records results while an application transaction raising events for the same subscription is open', async () => {
      const app = await createTestApp(db.options, { targets, attemptLimit: 1_000, delivery: { pollInterval: 50 } });
      const probe = await OutboxProbe.open(db.options);
      try {
        const subscription = await app.subscriptions.create({ to: ledger.url('/quick'), events: 'quick.test' });
        const status = async (messageId: string) =>
          (await probe.attempts()).find((row) => row.messageId === messageId)?.status;
        let recorded = false;
        await app.dataSource.transaction(async (manager) => {
          // The outbox row's foreign key makes the database lock the subscription row (shared) until commit ...
          await app.dispatcher.dispatch('quick.test', { n: 1 }, { manager });
          // ... while another event to it is sent: writing its result (and resetting the subscription's
          // failure count) must not wait for this transaction (on MariaDB it did, up to the lock timeout).
          const { messageId } = await app.dispatcher.dispatch('quick.test', { n: 2 });
          const deadline = Date.now() + 3_000;
          while (!recorded && Date.now() < deadline) {
            await sleep(25);
            recorded = (await status(messageId)) === 'successful';
          }
        });
        expect(recorded).toBe(true);
        await ledger.until(() => ledger.ids('/quick').size === 2, 'both events delivered');
        await app.engine.whenIdle();
        expect((await app.attempts.list(subscription.id)).items.map((a) => a.status)).toEqual([
          'successful',
          'successful',
        ]);
      } finally {
        await app.close();
        await probe.close();
      }
    });
  },
  ['postgres', 'mariadb'],
);

describeEachDatabase("the application's own requests while the engine works off a backlog", (db) => {
  let ledger: DeliveryLedger;
  beforeAll(async () => (ledger = await DeliveryLedger.start((entry) => ({ delay: entry.path === '/busy' ? 20 : 0 }))));
  afterAll(() => ledger?.close());

  it('answers queries and commits transactions raising events promptly, before the backlog is done', async () => {
    // 1,500 deliveries answered after 20 ms each, 32 at a time: a second of webhook work at the very least.
    const backlog = 1_500;
    const database = await db.another();
    const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
    await producer.subscriptions.create({ to: ledger.url('/busy'), events: 'busy.test' });
    await producer.subscriptions.create({ to: ledger.url('/own'), events: 'own.test' });
    for (let from = 0; from < backlog; from += 250) {
      await producer.dataSource.transaction(async (manager) => {
        for (let n = from; n < from + 250; n++) await producer.dispatcher.dispatch('busy.test', { n }, { manager });
      });
    }
    await producer.close();

    const app = await createTestApp(database, {
      targets,
      attemptLimit: 10_000,
      delivery: { concurrency: 32, pollInterval: 50 },
    });
    const probe = await OutboxProbe.open(database);
    try {
      await ledger.until(() => ledger.ids('/busy').size >= 100, 'the engine busy with the backlog');
      const timed = async (work: () => Promise<unknown>) => {
        const began = performance.now();
        await work();
        return performance.now() - began;
      };
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        latencies.push(await timed(() => app.dataSource.query('SELECT 1')));
        latencies.push(
          await timed(() =>
            app.dataSource.transaction(async (manager) => {
              await app.dispatcher.dispatch('own.test', { i }, { manager });
            }),
          ),
        );
      }
      const left = (await probe.counts()).pending;
      // The engine was still busy when the application's work was done ...
      expect(left).toBeGreaterThan(0);
      // ... and none of it waited behind the webhook work (each takes a few ms here; the bound leaves room
      // for a loaded machine, not for waiting on the backlog).
      expect(Math.max(...latencies)).toBeLessThan(500);
      await probe.until((counts) => counts.pending === 0, 'the backlog delivered', 60_000);
      expect(ledger.ids('/own').size).toBe(20);
    } finally {
      await app.close();
      await probe.close();
    }
  }, 90_000);
});
