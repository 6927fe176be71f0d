import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { WebhooksModuleOptions } from '../../lib';
import { createTestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { WebhooksInstance } from '../support/instance';
import { OutboxProbe } from '../support/outbox-probe';

const INSTANCES = 3;
const KEYS = 8;
const PER_KEY = 12;
const EVENTS = KEYS * PER_KEY;
const targets = { allowHttp: true, allowPrivateNetworks: true };
const bucket = (key: string, n: number) => createHash('sha1').update(key).digest().readUInt32BE(0) % n;

describeEachDatabase('ordered delivery with several instances', (db) => {
  let ledger: DeliveryLedger;
  beforeAll(async () => (ledger = await DeliveryLedger.start()));
  afterEach(() => WebhooksInstance.killAll());
  afterAll(() => ledger?.close());

  it(`${INSTANCES} instances keep the order of ${KEYS} keys under retries, 429s and a SIGKILL mid-sequence`, async () => {
    // One first try in five fails (500: a retry), one in eleven is throttled (429: the subscription pauses).
    ledger.answer((entry) => {
      if (entry.nth > 0) return { delay: 2 };
      const roll = bucket(entry.key, 55);
      return { status: roll % 5 === 0 ? 500 : roll % 11 === 1 ? 429 : 200, delay: 2 };
    });
    const database = await db.another();
    const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
    await producer.subscriptions.create({ to: ledger.url('/ordered'), events: 'ordered.test' });
    // Raised key by key in turns, in a few transactions: k0#0, k1#0, …, k7#0, k0#1, …
    for (let seq = 0; seq < PER_KEY; seq += 4) {
      await producer.dataSource.transaction(async (manager) => {
        for (let s = seq; s < seq + 4; s++)
          for (let k = 0; k < KEYS; k++)
            await producer.dispatcher.dispatch(
              'ordered.test',
              { key: `k${k}`, seq: s },
              { manager, orderingKey: `k${k}` },
            );
      });
    }
    await producer.close();

    const webhooks: WebhooksModuleOptions = {
      targets,
      attemptLimit: EVENTS,
      retry: { attempts: 6, firstDelay: 80, factor: 1.5, jitter: 0.2, throttlePause: 150 },
      delivery: { concurrency: 8, pollInterval: 50, batchSize: 20, leaseDuration: 1_500 },
    };
    const probe = await OutboxProbe.open(database);
    try {
      const instances = await Promise.all(
        Array.from({ length: INSTANCES }, (_, i) => WebhooksInstance.spawn(`ordered${i}`, database, webhooks)),
      );
      await Promise.all(instances.map((instance) => instance.whenReady()));
      // One instance dies mid-sequence: what it held (sent or not) comes back when its leases run out.
      await ledger.until(() => ledger.entries.length >= EVENTS / 3, 'a third of the events received');
      await instances[0].kill();
      await probe.until((counts) => counts.successful === EVENTS, 'every event delivered', 60_000, 100);

      const received = ledger.entries.filter((entry) => entry.path === '/ordered');
      const byKey = new Map<string, number[]>();
      for (const entry of received) {
        const { key, seq } = entry.json as { key: string; seq: number };
        byKey.set(key, [...(byKey.get(key) ?? []), seq]);
      }
      expect(byKey.size).toBe(KEYS);
      for (const [key, seqs] of byKey) {
        // Tries repeat a number (a retry, or a send the killed instance never recorded), never go back.
        const backwards = seqs.filter((seq, i) => i > 0 && seq < seqs[i - 1]);
        expect(backwards, `${key}: ${seqs.join(' ')}`).toEqual([]);
        expect(new Set(seqs).size, key).toBe(PER_KEY);
      }
      // The next event of a key was sent only once the one before had been answered with a success.
      for (const key of byKey.keys()) {
        const tries = received.filter((entry) => (entry.json as { key: string }).key === key);
        for (let i = 1; i < tries.length; i++) {
          const seq = (tries[i].json as { seq: number }).seq;
          if (seq === (tries[i - 1].json as { seq: number }).seq) continue;
          const lastOk = tries.filter((t) => (t.json as { seq: number }).seq === seq - 1 && t.status === 200);
          expect(lastOk.length, `${key}#${seq - 1} answered 200 before #${seq} was sent`).toBeGreaterThan(0);
          expect(tries[i].arrivedAt).toBeGreaterThanOrEqual(lastOk[0].answeredAt ?? Infinity);
        }
      }
      expect(received.some((entry) => entry.status === 500)).toBe(true);
      expect(received.some((entry) => entry.status === 429)).toBe(true);
      await Promise.all(instances.slice(1).map((instance) => instance.close()));
    } finally {
      await probe.close();
    }
  }, 60_000);
});
