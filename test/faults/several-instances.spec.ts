import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { DataSourceOptions } from 'typeorm';
import type { WebhooksModuleOptions } from '../../lib';
import { createTestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { DeliveryLedger } from '../support/delivery-ledger';
import { WebhooksInstance } from '../support/instance';
import type { WrittenResults } from '../support/instance.protocol';
import { OutboxProbe } from '../support/outbox-probe';

const SOAK = process.env.WEBHOOKS_SOAK === '1';
const ATTEMPTS = SOAK ? 50_000 : 10_000;
const INSTANCES = 3;
const SUBSCRIPTIONS = 4;
/** Share of the attempts raised by the instances while they deliver; the rest waits in the outbox when they start. */
const RAISED_LIVE = 0.3;
/** One attempt in FAIL_FIRST_ONE_IN gets a 500 on its first try: its retry is claimed by whichever instance polls first. */
const FAIL_FIRST_ONE_IN = 33;

const targets = { allowHttp: true, allowPrivateNetworks: true };
const bucket = (key: string, n: number) => createHash('sha1').update(key).digest().readUInt32BE(0) % n;

/** Whether the frozen instance has a transaction open (PostgreSQL: by application name; MariaDB: by database). */
async function inTransaction(probe: OutboxProbe, kind: string, database: DataSourceOptions): Promise<boolean> {
  const [{ n }] =
    kind === 'postgres'
      ? await probe.dataSource.query(
          `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = 'webhooks-frozen' AND xact_start IS NOT NULL`,
        )
      : await probe.dataSource.query(
          `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.id = t.trx_mysql_thread_id WHERE p.db = ?`,
          [(database as { database: string }).database],
        );
  return Number(n) > 0;
}

describeEachDatabase(
  'several instances on one database',
  (db) => {
    let ledger: DeliveryLedger;
    beforeAll(async () => (ledger = await DeliveryLedger.start()));
    afterEach(() => WebhooksInstance.killAll());
    afterAll(() => ledger?.close());

    it(
      `${INSTANCES} instances deliver ${ATTEMPTS} attempts: none sent by two at the same time, none lost, each recorded once`,
      async () => {
        // A small delay to every answer, so that two sends of one attempt at the same time would overlap.
        ledger.answer((entry) => ({
          status: entry.nth === 0 && bucket(entry.key, FAIL_FIRST_ONE_IN) === 0 ? 500 : 200,
          delay: 1 + bucket(entry.key, 6),
        }));
        const database = await db.another();
        const events = ATTEMPTS / SUBSCRIPTIONS;
        const live = Math.round((events * RAISED_LIVE) / INSTANCES);
        const preloaded = events - live * INSTANCES;
        const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
        for (let s = 0; s < SUBSCRIPTIONS; s++)
          await producer.subscriptions.create({ to: ledger.url(`/multi${s}`), events: 'multi.test' });
        for (let from = 0; from < preloaded; from += 250) {
          await producer.dataSource.transaction(async (manager) => {
            for (let n = from; n < Math.min(from + 250, preloaded); n++)
              await producer.dispatcher.dispatch('multi.test', { n }, { manager });
          });
        }
        await producer.close();

        const webhooks: WebhooksModuleOptions = {
          targets,
          attemptLimit: ATTEMPTS,
          retry: { attempts: 3, firstDelay: 100, factor: 2, jitter: 0.2, throttlePause: 0 },
          delivery: { concurrency: 16, pollInterval: 50, batchSize: 50, leaseDuration: 10_000 },
        };
        const probe = await OutboxProbe.open(database);
        try {
          const instances = await Promise.all(
            Array.from({ length: INSTANCES }, (_, i) => WebhooksInstance.spawn(`multi${i}`, database, webhooks)),
          );
          await Promise.all(instances.map((instance) => instance.whenReady()));
          // Each raises its share while all of them work the outbox off.
          await Promise.all(
            instances.map((instance, i) =>
              instance.raise({
                event: 'multi.test',
                from: preloaded + i * live,
                to: preloaded + (i + 1) * live,
                perTransaction: 5,
                explicitIdEvery: 10,
              }),
            ),
          );
          await probe.until(
            (counts) => counts.pending === 0 && counts.total === ATTEMPTS,
            'every attempt resolved',
            SOAK ? 600_000 : 90_000,
            200,
          );
          await Promise.all(instances.map((instance) => instance.whenIdle()));
          const written: WrittenResults[] = await Promise.all(instances.map((instance) => instance.written()));
          await Promise.all(instances.map((instance) => instance.close()));

          const rows = await probe.attempts();
          expect(rows).toHaveLength(ATTEMPTS);
          expect(rows.filter((row) => row.status !== 'successful')).toEqual([]);
          // Every try that was sent is the one recorded: nothing sent twice, nothing sent unrecorded.
          let retried = 0;
          for (const row of rows) {
            const path = new URL(row.request.url).pathname;
            const tries = ledger.tries(path, row.messageId);
            expect(
              tries.map((entry) => entry.status),
              `${path} ${row.messageId}`,
            ).toEqual(row.tries.map((t) => t.statusCode));
            if (row.tries.length > 1) retried++;
          }
          expect(retried).toBeGreaterThan(0);
          expect(ledger.entries.filter((entry) => entry.path.startsWith('/multi'))).toHaveLength(ATTEMPTS + retried);
          // No two tries of one attempt were in flight together.
          expect(ledger.overlaps()).toEqual([]);
          // Each success was written by exactly one instance, and every instance did its part.
          const owner = new Map<string, number>();
          written.forEach(({ succeeded }, i) => {
            for (const id of succeeded) {
              expect(owner.has(id), `${id} recorded by instances ${owner.get(id)} and ${i}`).toBe(false);
              owner.set(id, i);
            }
          });
          expect(owner.size).toBe(ATTEMPTS);
          // Each instance sends what it raised itself; the outbox it found at start was shared out by claims.
          const waiting = new Set(
            rows.filter((row) => JSON.parse(row.request.body).n < preloaded).map((row) => row.id),
          );
          for (const { succeeded } of written) {
            expect(succeeded.filter((id) => waiting.has(id)).length).toBeGreaterThan(waiting.size / INSTANCES / 10);
          }
          // A retry is claimed by whichever instance polls first: some move to another instance.
          const retriedBy = new Map<string, number>();
          written.forEach(({ retrying }, i) => retrying.forEach((id) => retriedBy.set(id, i)));
          expect(retriedBy.size).toBe(retried);
          expect([...retriedBy].filter(([id, i]) => owner.get(id) !== i).length).toBeGreaterThan(0);
        } finally {
          await probe.close();
        }
      },
      SOAK ? 900_000 : 150_000,
    );

    it('takes over the attempts of an instance frozen past its lease, and fences off its late results', async () => {
      const lease = 1_500;
      const count = 20;
      const database = await db.another();
      const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
      await producer.subscriptions.create({ to: ledger.url('/fence'), events: 'fence.test' });
      await producer.dataSource.transaction(async (manager) => {
        for (let n = 0; n < count; n++) await producer.dispatcher.dispatch('fence.test', { n }, { manager });
      });
      await producer.close();

      // The first try of each attempt (the frozen instance's) is answered only when the test says so.
      let answerLate!: () => void;
      const late = new Promise<void>((resolve) => (answerLate = resolve));
      ledger.answer(async (entry) => {
        if (entry.nth > 0) return { body: 'fresh' };
        await late;
        return { body: 'late' };
      });
      const options: WebhooksModuleOptions = {
        targets,
        delivery: { leaseDuration: lease, pollInterval: 50, concurrency: count, timeout: 60_000 },
      };
      const probe = await OutboxProbe.open(database);
      // It claims everything at its first poll and then only renews its leases.
      const frozenDatabase = {
        ...database,
        ...(db.kind === 'postgres' ? { applicationName: 'webhooks-frozen' } : {}),
      } as typeof database;
      const frozen = await WebhooksInstance.start('frozen', frozenDatabase, {
        ...options,
        delivery: { ...options.delivery, pollInterval: 600_000 },
      });
      let takeover: Awaited<ReturnType<typeof createTestApp>> | undefined;
      try {
        await ledger.until(() => ledger.ids('/fence').size === count, 'every attempt in flight at the first instance');
        // Frozen between two renewals: one frozen inside a transaction would keep its rows locked, which
        // is another fault (claims skip locked rows until the database ends that session).
        for (let tries = 0; ; tries++) {
          frozen.freeze();
          if (!(await inTransaction(probe, db.kind, database))) break;
          frozen.thaw();
          if (tries === 20) throw new Error('the instance was inside a transaction at every freeze');
          await new Promise((resolve) => setTimeout(resolve, 37));
        }
        const frozenAt = Date.now();
        // The leases as it last renewed them: nobody can change them before they run out.
        const leaseEnds = new Map((await probe.attempts()).map((row) => [row.messageId, row.leaseUntil!]));
        // Its leases are no longer renewed: once they run out another instance claims and sends them.
        takeover = await createTestApp(database, options);
        await probe.until((counts) => counts.successful === count, 'the attempts taken over and recorded', 30_000, 50);
        const taken = (await probe.attempts()).map((row) => ({ ...row }));
        answerLate();
        frozen.thaw();
        // The frozen instance gets its answers and writes its results: every write finds the lease gone.
        await frozen.whenIdle();
        expect(await frozen.written()).toEqual({ succeeded: [], failed: [], retrying: [] });

        const rows = await probe.attempts();
        expect(rows).toHaveLength(count);
        for (const row of rows) {
          expect(row).toMatchObject({
            status: 'successful',
            attemptCount: 1,
            response: { statusCode: 200, body: 'fresh' },
          });
          expect(row.tries).toHaveLength(1);
          expect(row).toEqual(taken.find((before) => before.id === row.id));
          const [first, second, ...more] = ledger.tries('/fence', row.messageId);
          expect(more).toEqual([]);
          // Sent twice only because the lease ran out: the second send came once the lease the first instance
          // last renewed had ended, while the first was still unanswered.
          expect(second.arrivedAt).toBeGreaterThan(Math.max(frozenAt, leaseEnds.get(row.messageId)!));
          expect(second.arrivedAt).toBeLessThan(first.answeredAt!);
        }
        expect(ledger.overlaps()).toHaveLength(count);
      } finally {
        answerLate();
        await takeover?.close();
        await frozen.close();
        await probe.close();
      }
    }, 60_000);
  },
  ['postgres', 'mariadb'],
);
