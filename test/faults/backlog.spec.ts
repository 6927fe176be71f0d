import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { OutboxProbe } from '../support/outbox-probe';

const SOAK = process.env.WEBHOOKS_SOAK === '1';
const BACKLOG = SOAK ? 5_000 : 600;
const targets = { allowHttp: true, allowPrivateNetworks: true };

describeEachDatabase('a backlog of due attempts (after an outage, a crash, or retries)', (db) => {
  let ledger: DeliveryLedger;
  beforeAll(async () => (ledger = await DeliveryLedger.start()));
  afterAll(() => ledger?.close());

  it(`drains ${BACKLOG} attempts at the receiver's pace, not one queue-full per poll interval`, async () => {
    const database = await db.another();
    const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
    await producer.subscriptions.create({ to: ledger.url('/backlog'), events: 'backlog.test' });
    for (let from = 0; from < BACKLOG; from += 200) {
      await producer.dataSource.transaction(async (manager) => {
        for (let n = from; n < from + 200; n++) await producer.dispatcher.dispatch('backlog.test', { n }, { manager });
      });
    }
    await producer.close();

    // Room for 2 × 4 attempts at a time, a poll a second: at one queue-full per poll the backlog would
    // take BACKLOG / 8 seconds.
    const pollInterval = 1_000;
    const probe = await OutboxProbe.open(database);
    const began = Date.now();
    const app = await createTestApp(database, {
      targets,
      attemptLimit: 100_000,
      delivery: { concurrency: 4, pollInterval, batchSize: 100 },
    });
    try {
      await probe.until((counts) => counts.successful === BACKLOG, 'the backlog delivered', 60_000, 50);
      const took = Date.now() - began;
      expect(took).toBeLessThan(((pollInterval * BACKLOG) / 8) * 0.2);
      expect(ledger.ids('/backlog').size).toBe(BACKLOG);
    } finally {
      await app.close();
      await probe.close();
    }
  }, 90_000);
});
