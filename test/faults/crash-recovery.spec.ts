import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { WebhookDeliveryAttempt, WebhooksModuleOptions } from '../../lib';
import { createTestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { WebhooksInstance } from '../support/instance';
import type { RaisedEvent } from '../support/instance.protocol';
import { OutboxProbe } from '../support/outbox-probe';

const SOAK = process.env.WEBHOOKS_SOAK === '1';
/** Events raised, and SIGKILLs while they are raised and delivered. */
const EVENTS = SOAK ? 10_000 : 2_000;
const KILLS = SOAK ? 40 : 10;
const LEASE = 1_500;
const CONCURRENCY = 8;
const PER_TRANSACTION = 4;
/** Every transaction holding a multiple of this rolls back (one in five). */
const ROLLBACK_EVERY = 20;
/** Events whose n is a multiple of this are dispatched with an explicit message id (claimed after commit). */
const EXPLICIT_ID_EVERY = 9;
/** Events whose n % FAIL_FIRST_EVERY is 7 get a 500 on their first try (so retries are scheduled). */
const FAIL_FIRST_EVERY = 25;

const targets = { allowHttp: true, allowPrivateNetworks: true };
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

interface KillRecord {
  stage: 'booting' | 'raising' | 'draining';
  killedAt: number;
  /** Pending rows right after the kill, and those still leased to the dead instance. */
  pending: number;
  leased: number;
}

/** One crash scenario: where the subscription is declared, how many events and kills. */
interface Scenario {
  /** The receiver's path for this scenario's subscription. */
  path: string;
  events: number;
  kills: number;
  /** Declared in `forRoot({ subscriptions })` without `persistent` (else created through the service). */
  declared: boolean;
}

describeEachDatabase('crash recovery: an instance killed with SIGKILL at random points', (db) => {
  let ledger: DeliveryLedger;
  beforeAll(async () => {
    ledger = await DeliveryLedger.start((entry) => ({
      status: entry.json?.n % FAIL_FIRST_EVERY === 7 && entry.nth === 0 ? 500 : 200,
      delay: random(2, 20),
    }));
  });
  afterEach(() => WebhooksInstance.killAll());
  afterAll(() => ledger?.close());

  it(
    `delivers every committed event and no rolled-back one, across ${KILLS} kills while ${EVENTS} events are raised and sent`,
    () => crashScenario({ path: '/crash', events: EVENTS, kills: KILLS, declared: false }),
    SOAK ? 1_800_000 : 180_000,
  );

  it(
    'does the same for a subscription declared in forRoot({ subscriptions }) without persistent: its attempts are in the outbox too',
    () => crashScenario({ path: '/declared', events: SOAK ? EVENTS : 400, kills: SOAK ? KILLS : 3, declared: true }),
    SOAK ? 1_800_000 : 120_000,
  );

  async function crashScenario({ path, events: EVENTS, kills: KILLS, declared }: Scenario): Promise<void> {
    const database = await db.another();
    const declaration = { to: ledger.url(path), events: 'crash.*' };
    const setup = await createTestApp(database, { targets, delivery: { enabled: false } });
    if (!declared) await setup.subscriptions.create(declaration);
    await setup.close();
    const probe = await OutboxProbe.open(database);
    const webhooks: WebhooksModuleOptions = {
      targets,
      attemptLimit: 100_000,
      retry: { attempts: 4, firstDelay: 100, factor: 2, jitter: 0.2, throttlePause: 0 },
      delivery: { leaseDuration: LEASE, pollInterval: 100, concurrency: CONCURRENCY, batchSize: 50, timeout: 5_000 },
      ...(declared ? { subscriptions: [declaration] } : {}),
    };

    const committed = new Map<string, number>();
    const rolledBack = new Map<string, number>();
    const note = (into: Map<string, number>) => (events: RaisedEvent[]) => {
      for (const { n, messageId } of events) into.set(messageId, n);
    };
    /** The first event number no transaction has begun with yet. */
    let next = 0;
    const kills: KillRecord[] = [];
    const chunk = Math.ceil(EVENTS / (KILLS + 1));

    try {
      // Each restart boots a fresh process that a supervisor had started already (a warm spare): it pays
      // for booting the app, not for loading Nest, TypeORM and the drivers.
      const spare = (n: number) => WebhooksInstance.spawn(`crash${n}`, database, webhooks, { standby: true });
      let incarnation = 0;
      let warm = await spare(incarnation);
      const restart = async (): Promise<WebhooksInstance> => {
        const instance = warm;
        warm = await spare(++incarnation);
        await instance.loaded;
        instance.boot();
        return instance;
      };
      while (kills.length < KILLS) {
        const instance = await restart();
        let stage: KillRecord['stage'] = 'booting';
        if (kills.length % 3 === 2) {
          // At any moment after the start: while booting (migrations, registry load), raising or draining.
          await Promise.race([sleep(random(0, 2_500)), instance.exited]);
          if (!instance.alive) throw new Error(`instance ${instance.name} died by itself${instance.describeOutput()}`);
          stage = (await Promise.race([instance.ready.then(() => true), sleep(0).then(() => false)]))
            ? 'draining'
            : 'booting';
        } else {
          await instance.whenReady();
          stage = 'draining';
          if (next < EVENTS) {
            stage = 'raising';
            // Killed in the middle of a transaction, a little after `target` events were begun.
            const target = Math.min(EVENTS, next + Math.round(chunk * (0.5 + Math.random())));
            let reached!: () => void;
            const reachedTarget = new Promise<void>((resolve) => (reached = resolve));
            const raising = instance
              .raise(
                {
                  event: 'crash.test',
                  from: next,
                  to: EVENTS,
                  perTransaction: PER_TRANSACTION,
                  rollbackEvery: ROLLBACK_EVERY,
                  explicitIdEvery: EXPLICIT_ID_EVERY,
                  idPrefix: 'crash_',
                },
                {
                  onStarted: (_from, to) => {
                    next = Math.max(next, to);
                    if (next >= target) reached();
                  },
                  onCommitted: note(committed),
                  onRolledBack: note(rolledBack),
                },
              )
              .catch(() => undefined);
            await Promise.race([reachedTarget, raising]);
            if (next >= EVENTS) stage = 'draining';
          }
          await sleep(random(0, 300));
        }
        await instance.kill();
        const killedAt = Date.now();
        // Right after a kill, every row is resolved, or pending and claimable within a lease: nothing
        // is held by a lease that will not run out, or scheduled beyond what the retry policy allows.
        const rows = await probe.attempts();
        const pending = rows.filter((row) => row.status === 'pending');
        for (const row of pending) {
          expect(row.nextAttemptAt!.getTime(), `next try of ${row.id}`).toBeLessThanOrEqual(killedAt + LEASE);
          if (row.leaseOwner !== null)
            expect(row.leaseUntil!, `lease of ${row.id}`).toBeLessThanOrEqual(killedAt + LEASE);
        }
        kills.push({
          stage,
          killedAt,
          pending: pending.length,
          leased: pending.filter((row) => row.leaseOwner !== null && row.leaseUntil! > killedAt).length,
        });
      }

      const last = await restart();
      await warm.kill();
      await last.whenReady();
      if (next < EVENTS) {
        await last.raise(
          {
            event: 'crash.test',
            from: next,
            to: EVENTS,
            perTransaction: PER_TRANSACTION,
            rollbackEvery: ROLLBACK_EVERY,
            explicitIdEvery: EXPLICIT_ID_EVERY,
            idPrefix: 'crash_',
          },
          {
            onStarted: (_from, to) => (next = Math.max(next, to)),
            onCommitted: note(committed),
            onRolledBack: note(rolledBack),
          },
        );
      }
      await probe.until((counts) => counts.pending === 0, 'every attempt resolved', SOAK ? 300_000 : 60_000);
      await last.whenIdle();
      await last.close();

      const rows = await probe.attempts();
      const stored = new Map<string, WebhookDeliveryAttempt>(rows.map((row) => [row.messageId, row]));
      const payload = (row: WebhookDeliveryAttempt) => JSON.parse(row.request.body) as { n: number; rollback: boolean };

      // The scenario happened: kills while raising and while attempts were held, rollbacks, retries.
      expect(kills).toHaveLength(KILLS);
      expect(kills.filter((kill) => kill.stage === 'raising').length).toBeGreaterThanOrEqual(Math.floor(KILLS / 2));
      expect(kills.filter((kill) => kill.leased > 0).length).toBeGreaterThanOrEqual(Math.floor(KILLS / 3));
      expect(next).toBe(EVENTS);
      expect(rolledBack.size).toBeGreaterThan(0);
      expect(rows.some((row) => row.tries.length > 1)).toBe(true);
      expect(rows.some((row) => row.messageId.startsWith('crash_'))).toBe(true);

      // Nothing rolled back was stored or sent; everything stored (committed) was sent and succeeded.
      expect(rows.filter((row) => payload(row).rollback)).toEqual([]);
      for (const id of rolledBack.keys()) expect(stored.has(id), `rolled-back ${id} stored`).toBe(false);
      for (const id of committed.keys()) expect(stored.has(id), `committed ${id} stored`).toBe(true);
      expect(rows.filter((row) => row.status !== 'successful')).toEqual([]);
      const sent = ledger.ids(path);
      expect([...stored.keys()].filter((id) => !sent.has(id))).toEqual([]);
      expect([...sent].filter((id) => !stored.has(id))).toEqual([]);
      expect(ledger.entries.filter((entry) => entry.json?.rollback)).toEqual([]);
      // Only transactions a kill interrupted may have an unknown outcome (then the database decides).
      const known = new Set([...committed.values(), ...rolledBack.values()]);
      const unknown = Array.from({ length: EVENTS }, (_, n) => n).filter((n) => !known.has(n));
      expect(unknown.length).toBeLessThanOrEqual(KILLS * PER_TRANSACTION);

      // At least once: every recorded try reached the receiver; a try was sent again only when a kill cut
      // it off before its result was written: at most the tries in flight at each kill plus the results
      // waiting to be written, which the engine bounds at 4 × `concurrency`.
      let resent = 0;
      for (const row of rows) {
        const tries = ledger.tries(path, row.messageId);
        expect(tries.length, `tries of ${row.messageId}`).toBeGreaterThanOrEqual(row.tries.length);
        resent += tries.length - row.tries.length;
      }
      expect(resent).toBeLessThanOrEqual(KILLS * 5 * CONCURRENCY);
      expect(ledger.overlaps()).toEqual([]);
      if (declared)
        expect(
          new Set(rows.map((row) => row.subscriptionId)).size,
          'one declared subscription, the same across restarts',
        ).toBe(1);
    } finally {
      await probe.close();
    }
  }
});
