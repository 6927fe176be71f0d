import { afterAll, beforeAll, expect, it } from 'vitest';
import { HistoryRetention } from '../lib/record/history.retention';
import { createTestApp, type TestApp } from './support/app';
import { TestClock } from './support/clock';
import { describeEachDatabase } from './support/databases';
import { eventually } from './support/eventually';
import { TestReceiver } from './support/receiver';

const MAX_AGE = 60_000;

describeEachDatabase('retention of the delivery history by age', (db) => {
  const clock = new TestClock();
  let app: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    receiver.respond('/bad', { status: 500 });
    app = await createTestApp(db.options, {
      targets: { allowHttp: true, allowPrivateNetworks: true },
      // A failed first try waits an hour for its retry: those attempts stay pending throughout.
      retry: { attempts: 2, schedule: [3_600_000], throttlePause: 0 },
      history: { maxAge: MAX_AGE, interval: 10, batchSize: 4 },
      attemptLimit: 1_000,
      clock,
    });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const dispatchMany = (from: number, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => app.dispatcher.dispatch('order.created', { n: from + i })));
  const statuses = async (subscriptionId: string) =>
    (await app.attempts.list(subscriptionId, { limit: 100 })).items.map((a) => a.status);

  it('deletes what was resolved more than maxAge ago while results are recorded; keeps pending and newer ones', async () => {
    const ok = await app.subscriptions.create({ to: receiver.url('/ok'), events: 'order.created' });
    const bad = await app.subscriptions.create({ to: receiver.url('/bad'), events: 'order.created' });

    await dispatchMany(0, 10);
    await receiver.waitFor(20);
    await app.engine.whenIdle();
    expect(await statuses(ok.id)).toEqual(Array(10).fill('successful'));
    expect(await statuses(bad.id)).toEqual(Array(10).fill('pending'));

    // Past maxAge: the retention pass (every 10 ms) runs while new events are sent and recorded.
    clock.advance(MAX_AGE + 1_000);
    const before = receiver.received().length;
    await dispatchMany(10, 12);
    await receiver.waitFor(before + 24);
    await app.engine.whenIdle();
    await eventually(async () => (await statuses(ok.id)).length === 12, 'the old successful attempts to go');
    const kept = (await app.attempts.list(ok.id, { limit: 100 })).items;
    expect(kept.map((a) => (a.request as { body: string }).body).every((body) => !/"n":\d,/.test(body))).toBe(true);
    expect(kept.every((a) => a.status === 'successful')).toBe(true);
    // Pending attempts are never dropped, however old.
    expect(await statuses(bad.id)).toEqual(Array(22).fill('pending'));

    clock.advance(MAX_AGE + 1_000);
    await eventually(async () => (await statuses(ok.id)).length === 0, 'the newer successful attempts to go in turn');
    // Nothing is left past maxAge for a pass to delete (the first call may join a pass that deleted them).
    const retention = app.module.get(HistoryRetention);
    await retention.trimByAge();
    expect(await retention.trimByAge()).toBe(0);
    expect(await statuses(bad.id)).toHaveLength(22);
  });
});
