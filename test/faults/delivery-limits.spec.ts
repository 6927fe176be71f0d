import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { WebhooksModuleOptions } from '../../lib';
import { createTestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { WebhooksInstance } from '../support/instance';
import { OutboxProbe } from '../support/outbox-probe';

/** How much later than its token a request may arrive at the receiver (ms). */
const SEND_JITTER_MS = 50;
const INSTANCES = 3;
const EVENTS = 60;
const PER_SECOND = 20;
const BURST = 5;
const MAX_IN_FLIGHT = 3;
const targets = { allowHttp: true, allowPrivateNetworks: true };

describeEachDatabase('per-subscription limits with several instances', (db) => {
  let ledger: DeliveryLedger;
  beforeAll(async () => (ledger = await DeliveryLedger.start()));
  afterEach(() => WebhooksInstance.killAll());
  afterAll(() => ledger?.close());

  it(`${INSTANCES} instances: the receiver sees at most burst + perSecond × t requests, and maxInFlight at once`, async () => {
    ledger.answer((entry) => ({ delay: entry.path === '/capped' ? 40 : 1 }));
    const database = await db.another();
    const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
    await producer.subscriptions.create({
      to: ledger.url('/rated'),
      events: 'limited.test',
      rateLimit: { perSecond: PER_SECOND, burst: BURST },
    });
    await producer.subscriptions.create({
      to: ledger.url('/capped'),
      events: 'limited.test',
      maxInFlight: MAX_IN_FLIGHT,
    });
    await producer.dataSource.transaction(async (manager) => {
      for (let n = 0; n < EVENTS; n++) await producer.dispatcher.dispatch('limited.test', { n }, { manager });
    });
    await producer.close();

    const webhooks: WebhooksModuleOptions = {
      targets,
      attemptLimit: EVENTS,
      delivery: { concurrency: 16, pollInterval: 50, batchSize: 50, leaseDuration: 5_000 },
    };
    const probe = await OutboxProbe.open(database);
    try {
      const instances = await Promise.all(
        Array.from({ length: INSTANCES }, (_, i) => WebhooksInstance.spawn(`limited${i}`, database, webhooks)),
      );
      await Promise.all(instances.map((instance) => instance.whenReady()));
      // Waited for at the receiver: the probe's reads (synchronous on SQLite) would stall this process, and with
      // it the receiver's clock, while requests arrive.
      await ledger.until(() => ledger.entries.length >= 2 * EVENTS, 'every event received', 30_000);
      await probe.until((counts) => counts.successful === 2 * EVENTS, 'every event recorded', 10_000, 100);
      await Promise.all(instances.map((instance) => instance.close()));

      const rated = ledger.entries.filter((entry) => entry.path === '/rated').map((entry) => entry.arrivedAt);
      expect(rated).toHaveLength(EVENTS);
      // In any stretch of t seconds, at most burst + perSecond × t (+1: the bucket's edges, and clocks). Tokens
      // are taken when an attempt is claimed; its request arrives a little later, by a delay that varies (a free
      // slot, the connection, three processes on two cores): the stretch is widened by that much.
      let worst = 0;
      for (let i = 0; i < rated.length; i++) {
        for (let j = i; j < rated.length; j++) {
          const allowed = BURST + (PER_SECOND * (rated[j] - rated[i] + SEND_JITTER_MS)) / 1000 + 1;
          worst = Math.max(worst, j - i + 1 - allowed);
        }
      }
      expect(worst, 'requests over the token bucket').toBeLessThanOrEqual(0);
      // And the limit is what paces it: the whole run takes about (EVENTS - BURST) / perSecond seconds.
      // (the first request may have arrived that much later than its token too).
      expect(rated[rated.length - 1] - rated[0]).toBeGreaterThan(
        ((EVENTS - BURST - 1) / PER_SECOND) * 1000 - SEND_JITTER_MS,
      );

      const capped = ledger.entries.filter((entry) => entry.path === '/capped');
      expect(capped).toHaveLength(EVENTS);
      let most = 0;
      for (const entry of capped) {
        const open = capped.filter(
          (o) => o.arrivedAt <= entry.arrivedAt && (o.answeredAt ?? Infinity) > entry.arrivedAt,
        );
        most = Math.max(most, open.length);
      }
      expect(most).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      expect(most).toBe(MAX_IN_FLIGHT);
    } finally {
      await probe.close();
    }
  }, 60_000);
});
