import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { HttpModule } from '@nestjs/axios';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookDeliveryAttempt, WebhookEvents, type WebhooksModuleOptions } from '../lib';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

const targets = { allowHttp: true, allowPrivateNetworks: true };

async function allAttempts(app: TestApp): Promise<WebhookDeliveryAttempt[]> {
  return app.dataSource.getRepository(WebhookDeliveryAttempt).find();
}

describeEachDatabase('the delivery engine across processes and instances', (db) => {
  let receiver: TestReceiver;
  beforeAll(async () => (receiver = await TestReceiver.start()));
  afterAll(() => receiver?.close());

  it('delivers the attempts of a process killed after commit once its leases run out', async () => {
    const database = await db.another();
    const setup = await createTestApp(database, { targets });
    await setup.subscriptions.create({ to: receiver.url('/crash'), events: 'crash.test' });
    await setup.close();
    // The child's tries hang, so that its attempts are in flight (not recorded) when it dies.
    let hanging = true;
    receiver.respond('/crash', () => (hanging ? { delay: 10_000 } : { status: 200 }));

    const child = spawn(
      process.execPath,
      [require.resolve('vite-node/vite-node.mjs'), '--config', 'vite.config.mts', 'test/support/crash-child.ts'],
      {
        env: {
          ...process.env,
          WEBHOOKS_CHILD: JSON.stringify({ database, events: 40, rollbackEvery: 4, leaseDuration: 1500 }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { committed, rolledBack } = JSON.parse(line) as { committed: string[]; rolledBack: string[] };
    expect(committed).toHaveLength(30);
    await receiver.waitFor(1, '/crash');
    child.kill('SIGKILL');
    await once(child, 'exit');
    hanging = false;

    const survivor = await createTestApp(database, { targets, delivery: { pollInterval: 100, leaseDuration: 1500 } });
    try {
      const deadline = Date.now() + 20_000;
      let pending = Infinity;
      while (pending > 0 && Date.now() < deadline) {
        pending = (await allAttempts(survivor)).filter((a) => a.status === 'pending').length;
        if (pending > 0) await survivor.engine.pollNow();
        await survivor.engine.whenIdle();
      }
      const ids = new Set(receiver.received('/crash').map((r) => r.headers['webhook-id'] as string));
      for (const id of committed) expect(ids.has(id), id).toBe(true);
      for (const id of rolledBack) expect(ids.has(id), id).toBe(false);
      const rows = await allAttempts(survivor);
      expect(rows.map((a) => a.messageId).sort()).toEqual([...committed].sort());
      expect(rows.every((a) => a.status === 'successful')).toBe(true);
    } finally {
      await survivor.close();
    }
  }, 60_000);

  it('lets two engines deliver 2,000 attempts between them, each exactly once', async () => {
    const database = await db.another();
    const producer = await createTestApp(database, { targets, delivery: { enabled: false } });
    const sub = await producer.subscriptions.create({ to: receiver.url('/shared'), events: 'shared.test' });
    for (let batch = 0; batch < 20; batch++) {
      await producer.dataSource.transaction(async (manager) => {
        for (let i = 0; i < 100; i++)
          await producer.dispatcher.dispatch('shared.test', { n: batch * 100 + i }, { manager });
      });
    }
    await producer.close();

    // Keep the whole history, to check every row.
    const options: WebhooksModuleOptions = {
      targets,
      attemptLimit: 10_000,
      delivery: { pollInterval: 20, batchSize: 50, concurrency: 16 },
    };
    const [a, b] = await Promise.all([createTestApp(database, options), createTestApp(database, options)]);
    try {
      const sent = (app: TestApp) => app.events.filter((e) => e.name === WebhookEvents.attemptSucceeded).length;
      await receiver.waitFor(2000, '/shared', 60_000);
      await Promise.all([a.engine.whenIdle(), b.engine.whenIdle()]);
      const ids = receiver.received('/shared').map((r) => r.headers['webhook-id'] as string);
      expect(ids).toHaveLength(2000);
      expect(new Set(ids).size).toBe(2000);
      expect(sent(a) + sent(b)).toBe(2000);
      expect(sent(a)).toBeGreaterThan(0);
      expect(sent(b)).toBeGreaterThan(0);
      const rows = await allAttempts(a);
      expect(rows.filter((row) => row.subscriptionId === sub.id && row.status === 'successful')).toHaveLength(2000);
      expect(rows.every((row) => row.attemptCount === 1 && row.tries.length === 1)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 90_000);

  it('on shutdown, lets tries in flight finish and leaves the queued attempts pending for the next start', async () => {
    const database = await db.another();
    const first = await createTestApp(database, {
      targets,
      attemptLimit: 1000,
      delivery: { concurrency: 2, shutdownTimeout: 5_000 },
    });
    await first.subscriptions.create({ to: receiver.url('/shutdown'), events: 'shutdown.test' });
    receiver.respond('/shutdown', { status: 200, delay: 300 });
    await first.dataSource.transaction(async (manager) => {
      for (let i = 0; i < 20; i++) await first.dispatcher.dispatch('shutdown.test', { i }, { manager });
    });
    await receiver.waitFor(2, '/shutdown');
    await first.close();
    const afterClose = receiver.received('/shutdown').length;
    const second = await createTestApp(database, { targets, attemptLimit: 1000, delivery: { pollInterval: 50 } });
    try {
      const rows = await allAttempts(second);
      // What was sent is recorded; nothing was left half-done.
      expect(rows.filter((a) => a.status === 'successful')).toHaveLength(afterClose);
      expect(rows.filter((a) => a.status === 'pending')).toHaveLength(20 - afterClose);
      expect(afterClose).toBeLessThan(20);
      receiver.respond('/shutdown', { status: 200 });
      await receiver.waitFor(20, '/shutdown');
      await second.engine.whenIdle();
      expect((await allAttempts(second)).every((a) => a.status === 'successful')).toBe(true);
      expect(new Set(receiver.received('/shutdown').map((r) => r.headers['webhook-id'])).size).toBe(20);
    } finally {
      await second.close();
    }
  });

  it('raises events in more concurrent transactions than the pool has connections', async () => {
    if (db.kind === 'sqlite') return; // one shared connection: nothing to exhaust
    // Every transaction holds one of the two connections while it dispatches: the dispatch must not ask
    // the pool for another (reading the registry version, say), or all of them wait forever.
    const app = await createTestApp({ ...db.options, poolSize: 2 } as typeof db.options, { targets });
    try {
      await app.subscriptions.create({ to: receiver.url('/pool'), events: 'pool.test' });
      await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          app.dataSource.transaction((manager) => app.dispatcher.dispatch('pool.test', { n }, { manager })),
        ),
      );
      await receiver.waitFor(12, '/pool');
      await app.engine.whenIdle();
    } finally {
      await app.close();
    }
  }, 30_000);

  it('sends through the @nestjs/axios transport when asked', async () => {
    const app = await createTestApp(
      db.options,
      { targets, delivery: { transport: 'axios' } },
      { imports: [HttpModule] },
    );
    try {
      const sub = await app.subscriptions.create({ to: receiver.url('/axios'), events: 'axios.test' });
      receiver.respond('/axios', { status: 201, body: 'created' });
      receiver.respond('/axios-redirect', { status: 301, headers: { location: receiver.url('/axios') } });
      const redirect = await app.subscriptions.create({ to: receiver.url('/axios-redirect'), events: 'axios.test' });
      await app.dispatcher.dispatch('axios.test', { via: 'axios' });
      await app.engine.whenIdle();
      const [attempt] = (await app.attempts.list(sub.id)).items;
      expect(attempt).toMatchObject({ status: 'successful', message: '201 Created' });
      expect(attempt.response).toMatchObject({ statusCode: 201, body: 'created' });
      expect((await app.attempts.list(redirect.id)).items[0]).toMatchObject({
        status: 'failed',
        message: '301 Moved Permanently',
      });
      expect(receiver.received('/axios')).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
