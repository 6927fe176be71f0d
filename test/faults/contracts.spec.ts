import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { WebhookDeliveryAttempt, WebhookEvents, WebhookSubscription, type WebhooksModuleOptions } from '../../lib';
import { DELIVERY_FAILURES_MESSAGE } from '../../lib/core/messages/status.messages';
import { WebhookSubscriptionEvent } from '../../lib/entities/webhook-subscription-event.entity';
import { MAX_STORED_SECRETS } from '../../lib/core/signing/subscription-secrets.util';
import { WebhookSecretList } from '../../lib/core/signing/webhook-secret.list';
import { statement, WebhooksDatabase } from '../../lib/stores/typeorm/webhooks.database';
import { createTestApp, type TestApp } from '../support/app';
import { describeEachDatabase } from '../support/databases';
import { TestReceiver } from '../support/receiver';
import { sized } from './support/fault-sizes';

const targets = { allowHttp: true, allowPrivateNetworks: true };
/** Instances that do not send (their callers race on the database, not on deliveries). */
const quiet: WebhooksModuleOptions = { targets, delivery: { enabled: false } };

/** Every event the two instances emitted with this name about this subscription. */
const eventsAbout = (apps: TestApp[], name: string, subscriptionId: string) =>
  apps.flatMap((app) => app.events.filter((e) => e.name === name && e.payload.subscription?.id === subscriptionId));

/** Calls `fn(i)` for i in [0, n) all at once, alternating between the two instances. */
const racing = <T>(apps: [TestApp, TestApp], n: number, fn: (app: TestApp, i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_v, i) => fn(apps[i % 2], i)));

/**
 * Concurrency contracts: what many callers on two instances of one database, racing each other, may and
 * may not observe. Every race runs through both instances so that only the database can arbitrate it.
 */
describeEachDatabase('concurrency contracts', (db) => {
  let a: TestApp;
  let b: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    [a, b] = await Promise.all([createTestApp(db.options, quiet), createTestApp(db.options, quiet)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  it('racing deactivations, then activations: exactly one caller reports the change, and one event is emitted', async () => {
    const callers = sized(16, 64);
    const sub = await a.subscriptions.create({ to: 'https://race.example.com/hook', events: 'race.toggle' });
    for (let round = 0; round < sized(3, 20); round++) {
      const off = await racing([a, b], callers, (app, i) =>
        app.subscriptions.deactivate(sub.id, `round ${round} caller ${i}`),
      );
      expect(off.filter(Boolean), `round ${round}`).toHaveLength(1);
      const winner = `round ${round} caller ${off.indexOf(true)}`;
      expect(await b.subscriptions.get(sub.id)).toMatchObject({ active: false, statusMessage: winner });
      const deactivated = eventsAbout([a, b], WebhookEvents.subscriptionDeactivated, sub.id).filter((e) =>
        e.payload.reason.startsWith(`round ${round} `),
      );
      expect(deactivated.map((e) => e.payload.reason)).toEqual([winner]);

      const before = eventsAbout([a, b], WebhookEvents.subscriptionActivated, sub.id).length;
      const on = await racing([a, b], callers, (app) => app.subscriptions.activate(sub.id));
      expect(on.filter(Boolean), `round ${round}`).toHaveLength(1);
      expect(eventsAbout([a, b], WebhookEvents.subscriptionActivated, sub.id)).toHaveLength(before + 1);
      expect(await a.subscriptions.get(sub.id)).toMatchObject({ active: true, statusMessage: 'Active' });
    }
  });

  it('activations and deactivations racing each other: every reported change happened, alternately, with one event each', async () => {
    const sub = await a.subscriptions.create({ to: 'https://race.example.com/mixed', events: 'race.mixed' });
    const calls = sized(32, 128);
    const results = await racing([a, b], calls, (app, i) =>
      (i % 4 < 2 ? app.subscriptions.deactivate(sub.id, 'mixed') : app.subscriptions.activate(sub.id)).then(
        (changed) => ({ on: i % 4 >= 2, changed }),
      ),
    );
    const offs = results.filter((r) => !r.on && r.changed).length;
    const ons = results.filter((r) => r.on && r.changed).length;
    // It started active: changes alternate, so there is one more deactivation than activations, or as many.
    expect(offs - ons).toBeGreaterThanOrEqual(0);
    expect(offs - ons).toBeLessThanOrEqual(1);
    expect((await a.subscriptions.get(sub.id)).active).toBe(offs === ons);
    expect(eventsAbout([a, b], WebhookEvents.subscriptionDeactivated, sub.id)).toHaveLength(offs);
    expect(eventsAbout([a, b], WebhookEvents.subscriptionActivated, sub.id)).toHaveLength(ons);
    expect(offs).toBeGreaterThan(0);
  });

  it('the failure rule racing a manual deactivation: one "deactivated" event per subscription, whoever wins', async () => {
    const limit = 3;
    const database = await db.another();
    const engine = await createTestApp(database, {
      targets,
      attemptLimit: limit,
      delivery: { pollInterval: 3_600_000, concurrency: 64 },
    });
    const manual = await createTestApp(database, { ...quiet, attemptLimit: limit });
    try {
      const n = sized(24, 120);
      const subs: WebhookSubscription[] = [];
      for (let i = 0; i < n; i++)
        subs.push(await manual.subscriptions.create({ to: receiver.url(`/failing/${i}`), events: 'rule.race' }));
      // One failure short of the rule: the next failed attempt deactivates.
      await manual.dataSource
        .createQueryBuilder()
        .update(WebhookSubscription)
        .set({ consecutiveFailures: limit - 1 })
        .execute();

      // When subscription i's try reaches the receiver, it is deactivated by hand a moment later (spread
      // over 0-60 ms for half of them, 0-400 ms for the others), while the receiver answers 500 after
      // 10 ms: early ones win, late ones lose, the ones in between race the recorder's transaction.
      const byHand: Array<Promise<boolean>> = [];
      for (let i = 0; i < n; i++) {
        receiver.respond(`/failing/${i}`, () => {
          byHand[i] = new Promise((resolve) => setTimeout(resolve, (i * (i % 2 ? 400 : 60)) / n)).then(() =>
            manual.subscriptions.deactivate(subs[i].id, 'By hand.'),
          );
          return { status: 500, delay: 10 };
        });
      }
      await engine.dispatcher.dispatch('rule.race', {});
      await receiver.waitFor(n);
      await engine.engine.whenIdle();
      const manualResults = await Promise.all(byHand);

      let ruleWon = 0;
      for (const [i, sub] of subs.entries()) {
        const events = eventsAbout([engine, manual], WebhookEvents.subscriptionDeactivated, sub.id);
        const stored = await manual.subscriptions.get(sub.id);
        expect(events, `subscription ${i}`).toHaveLength(1);
        expect(stored.active).toBe(false);
        expect(stored.statusMessage).toBe(events[0].payload.reason);
        expect(manualResults[i]).toBe(events[0].payload.reason === 'By hand.');
        if (events[0].payload.reason === DELIVERY_FAILURES_MESSAGE) ruleWon++;
      }
      console.info(`[contracts ${db.kind}] failure rule vs manual deactivation: the rule won ${ruleWon} of ${n} races`);
    } finally {
      await Promise.all([engine.close(), manual.close()]);
    }
  });

  it('two engines resolving attempts of one subscription at once keep exactly attemptLimit attempts, the newest', async () => {
    const limit = 5;
    const total = sized(60, 600);
    const database = await db.another();
    const producer = await createTestApp(database, { ...quiet, attemptLimit: limit });
    const sub = await producer.subscriptions.create({ to: receiver.url('/trim'), events: 'trim.race' });
    const ids: string[] = [];
    for (let i = 0; i < total; i += 20) {
      await producer.dataSource.transaction(async (manager) => {
        for (let k = i; k < Math.min(i + 20, total); k++)
          ids.push((await producer.dispatcher.dispatch('trim.race', { k }, { manager })).attempts[0].id);
      });
    }
    await producer.close();
    receiver.respond('/trim', (_request, index) => ({ status: index % 7 === 3 ? 500 : 200, delay: index % 3 }));
    const options: WebhooksModuleOptions = {
      targets,
      attemptLimit: limit,
      delivery: { pollInterval: 10, batchSize: 3, concurrency: 3 },
    };
    const engines = await Promise.all([createTestApp(database, options), createTestApp(database, options)]);
    try {
      await receiver.waitFor(total, '/trim', 60_000);
      await Promise.all(engines.map((engine) => engine.engine.whenIdle()));
      const rows = await engines[0].dataSource
        .getRepository(WebhookDeliveryAttempt)
        .find({ where: { subscriptionId: sub.id } });
      const newest = [...ids].sort().slice(-limit);
      expect(rows.map((row) => row.id).sort()).toEqual(newest);
      expect(rows.every((row) => row.status !== 'pending')).toBe(true);
      const sentBy = engines.map(
        (engine) =>
          engine.events.filter(
            (e) => e.name === WebhookEvents.attemptSucceeded || e.name === WebhookEvents.attemptFailed,
          ).length,
      );
      expect(sentBy[0] + sentBy[1]).toBe(total);
      expect(Math.min(...sentBy)).toBeGreaterThan(0);
    } finally {
      await Promise.all(engines.map((engine) => engine.close()));
    }
  });

  it('concurrent secret rotations lose none: every rotated secret signs until its overlap ends, one is current', async () => {
    const created = await a.subscriptions.create({ to: receiver.url('/rotated'), events: 'rotate.race' });
    // Nine rotations fit the stored list (ten secrets) with the first one: every secret must still sign.
    const rotations = MAX_STORED_SECRETS - 1;
    const rotated = await racing([a, b], rotations, (app) => app.subscriptions.rotateSecret(created.id));
    const secrets = [created.secret, ...rotated.map((r) => r.secret)];
    expect(new Set(secrets).size).toBe(rotations + 1);
    const entries = await storedSecrets(created.id);
    expect(entries).toHaveLength(rotations + 1);
    expect(entries.filter((entry) => entry.expiresAt === null)).toHaveLength(1);
    expect(await verifyingSecrets(secrets)).toEqual(secrets);

    // More rotations than the list holds: the newest ten stay, the current one among them.
    const more = await racing([a, b], sized(15, 40), (app) => app.subscriptions.rotateSecret(created.id));
    const all = [...secrets, ...more.map((r) => r.secret)];
    const stored = await storedSecrets(created.id);
    expect(stored).toHaveLength(MAX_STORED_SECRETS);
    const live = await verifyingSecrets(all);
    expect(live).toHaveLength(MAX_STORED_SECRETS);
    // The current secret (the last rotation to commit; stored in the clear without a cipher) is one of them.
    const current = stored.filter((entry) => entry.expiresAt === null);
    expect(current).toHaveLength(1);
    expect(live).toContain(current[0].value);
  });

  it('concurrent updates of different fields all land; concurrent updates of one field leave one consistent winner', async () => {
    const sub = await a.subscriptions.create({ to: 'https://update.example.com/0', events: 'update.race' });
    for (let round = 1; round <= sized(4, 30); round++) {
      const changes = [
        { to: `https://update.example.com/${round}` },
        { description: `round ${round}` },
        { metadata: { round } },
        { events: [`update.round${round}`] },
        { dialect: round % 2 ? 'standard' : 'default' },
        { retry: { attempts: round + 1 } },
        { permission: `perm-${round}` },
        { owner: `owner-${round}` },
      ];
      await racing([a, b], changes.length, (app, i) => app.subscriptions.update(sub.id, changes[i]));
      expect(await b.subscriptions.get(sub.id), `round ${round}`).toMatchObject({
        to: `https://update.example.com/${round}`,
        description: `round ${round}`,
        metadata: { round },
        events: [`update.round${round}`],
        dialect: round % 2 ? 'standard' : 'default',
        retry: { attempts: round + 1 },
        permission: `perm-${round}`,
        owner: `owner-${round}`,
      });
      expect(await patternsOf(sub.id)).toEqual([`update.round${round}`]);
    }
    // One field, many writers: the row and its pattern rows agree on the same winner.
    const lists = Array.from({ length: 12 }, (_v, i) => [`same.field${i}`, `same.also${i}`]);
    await racing([a, b], lists.length, (app, i) => app.subscriptions.update(sub.id, { events: lists[i] }));
    const { events } = await a.subscriptions.get(sub.id);
    expect(lists).toContainEqual(events);
    expect(await patternsOf(sub.id)).toEqual([...events].sort());
  });

  it('dispatches and test events racing the deletion of their subscription neither fail nor leave attempts behind', async () => {
    const errors: string[] = [];
    for (let i = 0; i < sized(30, 300); i++) {
      const sub = await a.subscriptions.create({ to: 'https://deleted.example.com/hook', events: 'delete.race' });
      const results = await Promise.allSettled([
        a.dispatcher.dispatch('delete.race', { i }),
        b.dispatcher.dispatch('delete.race', { i }),
        b.dispatcher.sendTest(sub.id),
        (i % 2 ? a : b).subscriptions.delete(sub.id),
      ]);
      for (const result of results) {
        // A test event for a subscription already gone is "not found"; nothing else may fail.
        if (result.status === 'rejected' && result.reason?.name !== 'WebhookSubscriptionNotFoundError')
          errors.push(String(result.reason));
      }
      expect(await a.dataSource.getRepository(WebhookDeliveryAttempt).countBy({ subscriptionId: sub.id })).toBe(0);
    }
    expect(errors).toEqual([]);
  });

  it('a unit of work chosen as a deadlock victim is run again instead of failing its caller', async () => {
    const [first, second] = [
      await a.subscriptions.create({ to: 'https://deadlock.example.com/1', events: 'deadlock.x' }),
      await a.subscriptions.create({ to: 'https://deadlock.example.com/2', events: 'deadlock.x' }),
    ];
    const database = a.module.get(WebhooksDatabase);
    const pause =
      db.kind === 'postgres' ? 'SELECT pg_sleep(0.2)' : db.kind === 'mariadb' ? 'SELECT SLEEP(0.2)' : 'SELECT 1';
    const set = (id: string, description: string) =>
      statement(a.dataSource.createQueryBuilder().update(WebhookSubscription).set({ description }).where({ id }));
    let runs = 0;
    // Each locks one row, waits, then wants the other's: the database must kill one of them.
    const crossing = (one: string, other: string, description: string) =>
      database.run(function* () {
        runs++;
        yield set(one, description);
        yield { sql: pause, params: [] };
        yield set(other, description);
      });
    await Promise.all([crossing(first.id, second.id, 'left'), crossing(second.id, first.id, 'right')]);
    // Both committed; on PostgreSQL and MariaDB one of them after a second run.
    expect(runs).toBe(db.kind === 'sqlite' ? 2 : 3);
    const descriptions = [
      (await a.subscriptions.get(first.id)).description,
      (await a.subscriptions.get(second.id)).description,
    ];
    expect(descriptions[0]).toBe(descriptions[1]);
  });

  async function storedSecrets(id: string) {
    const sub = await a.dataSource
      .getRepository(WebhookSubscription)
      .createQueryBuilder('s')
      .addSelect('s.secrets')
      .where('s.id = :id', { id })
      .getOneOrFail();
    return WebhookSecretList.entriesOf(sub.secrets);
  }

  /** Sends one event from a fresh instance (which reads the stored secrets) and returns the secrets that verify it. */
  async function verifyingSecrets(secrets: string[]): Promise<string[]> {
    receiver.reset();
    const sender = await createTestApp(db.options, { targets, delivery: { pollInterval: 3_600_000 } });
    try {
      await sender.dispatcher.dispatch('rotate.race', { n: 1 });
      const [request] = await receiver.waitFor(1, '/rotated');
      await sender.engine.whenIdle();
      return secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
    } finally {
      await sender.close();
    }
  }

  async function patternsOf(id: string): Promise<string[]> {
    const rows = await a.dataSource.getRepository(WebhookSubscriptionEvent).findBy({ subscriptionId: id });
    return rows.map((row) => row.pattern).sort();
  }
});
