import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  TEST_EVENT,
  WebhookAttemptNotFoundError,
  WebhookOperationNotAllowedError,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
  type WebhooksModuleOptions,
} from '../lib';
import { createTestApp, drainDue, type TestApp } from './support/app';
import { TestClock } from './support/clock';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

const S = 1_000;

/** One try per attempt unless a test says otherwise: failures resolve at once, replays add tries. */
const options = (clock: TestClock, extra: WebhooksModuleOptions = {}): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true },
  delivery: { pollInterval: 3_600_000 },
  retry: { attempts: 1, throttlePause: 0 },
  clock,
  ...extra,
});

describeEachDatabase('retry and replay by hand, test events', (db) => {
  const clock = new TestClock();
  let app: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(db.options, options(clock));
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  it('retries one failed attempt now: same webhook-id, a new manual try, recorded', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/one'), events: 'one.happen' });
    receiver.respond('/one', { status: 500 });
    const { messageId, attempts } = await app.dispatcher.dispatch('one.happen', { n: 1 });
    await app.engine.whenIdle();
    const failed = await app.attempts.get(attempts[0].id);
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 1 });

    receiver.respond('/one', { status: 200 });
    clock.advance(5 * S);
    const rearmed = await app.attempts.retry(failed.id);
    expect(rearmed).toMatchObject({
      id: failed.id,
      status: 'pending',
      nextTrigger: 'manual',
      resolvedAt: null,
      attemptCount: 1,
    });
    await receiver.waitFor(2, '/one');
    await app.engine.whenIdle();

    const after = await app.attempts.get(failed.id);
    expect(after).toMatchObject({ status: 'successful', message: '200 OK', attemptCount: 2, nextTrigger: null });
    expect(after.tries.map((t) => [t.number, t.trigger, t.statusCode])).toEqual([
      [1, 'scheduled', 500],
      [2, 'manual', 200],
    ]);
    const requests = receiver.received('/one');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
    expect(Number(requests[1].headers['webhook-timestamp']) - Number(requests[0].headers['webhook-timestamp'])).toBe(5);
    expect(new Webhook(sub.secret).verify(requests[1].body, requests[1].headers as Record<string, string>)).toEqual({
      n: 1,
    });
    // Still one attempt in the history: the try was added to it.
    expect((await app.attempts.list(sub.id)).items).toHaveLength(1);

    // A successful attempt can be sent again too.
    await app.attempts.retry(failed.id);
    await receiver.waitFor(3, '/one');
    await app.engine.whenIdle();
    expect((await app.attempts.get(failed.id)).tries.map((t) => t.trigger)).toEqual(['scheduled', 'manual', 'manual']);
  });

  it('refuses to retry an attempt being delivered, or one that does not exist', async () => {
    await app.subscriptions.create({ to: receiver.url('/held'), events: 'held.happen' });
    app.engine.pause();
    try {
      const [{ id }] = (await app.dispatcher.dispatch('held.happen', {})).attempts;
      await expect(app.attempts.retry(id)).rejects.toBeInstanceOf(WebhookOperationNotAllowedError);
    } finally {
      app.engine.resume();
    }
    await app.engine.whenIdle();
    expect(receiver.received('/held')).toHaveLength(1);
    await expect(app.attempts.retry('00000000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(
      WebhookAttemptNotFoundError,
    );
  });

  it('sends a pending retry now instead of at its scheduled time', async () => {
    const sub = await app.subscriptions.create({
      to: receiver.url('/early'),
      events: 'early.happen',
      retry: { attempts: 3, firstDelay: 3_600_000, jitter: 0 },
    });
    receiver.respond('/early', (_request, index) => ({ status: index === 0 ? 500 : 200 }));
    const [{ id }] = (await app.dispatcher.dispatch('early.happen', {})).attempts;
    await app.engine.whenIdle();
    expect(await app.attempts.get(id)).toMatchObject({ status: 'pending', attemptCount: 1 });
    await app.attempts.retry(id);
    await app.engine.whenIdle();
    const attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({ status: 'successful', attemptCount: 2 });
    expect(attempt.tries.map((t) => t.trigger)).toEqual(['scheduled', 'manual']);
    expect((await app.subscriptions.get(sub.id)).consecutiveFailures).toBe(0);
  });

  it('replays by filter: subscription, status and since; each attempt keeps its webhook-id and gets one try', async () => {
    const a = await app.subscriptions.create({ to: receiver.url('/replay-a'), events: 'replay.happen' });
    const b = await app.subscriptions.create({ to: receiver.url('/replay-b'), events: 'replay.happen' });
    receiver.respond('/replay-a', { status: 500 });
    receiver.respond('/replay-b', { status: 500 });
    const old = await app.dispatcher.dispatch('replay.happen', { n: 'old' });
    await app.engine.whenIdle();
    clock.advance(60 * S);
    const since = new Date(clock.now());
    const recent = [];
    for (let n = 0; n < 3; n++) recent.push(await app.dispatcher.dispatch('replay.happen', { n }));
    await app.engine.whenIdle();
    receiver.respond('/replay-a', { status: 200 });
    receiver.respond('/replay-b', { status: 200 });

    expect(await app.attempts.replay({ subscriptionId: a.id, since })).toEqual({ count: 3 });
    await drainDue(app);
    const ofA = (await app.attempts.list(a.id)).items;
    expect(ofA.map((x) => x.status)).toEqual(['successful', 'successful', 'successful', 'failed']);
    expect(ofA.find((x) => x.messageId === old.messageId)).toMatchObject({ status: 'failed', attemptCount: 1 });
    const replayedIds = receiver
      .received('/replay-a')
      .slice(4)
      .map((r) => r.headers['webhook-id']);
    expect(replayedIds.sort()).toEqual(recent.map((r) => r.messageId).sort());
    expect(ofA[0].tries.map((t) => [t.trigger, t.statusCode])).toEqual([
      ['scheduled', 500],
      ['manual', 200],
    ]);
    // b was left alone.
    expect((await app.attempts.list(b.id)).items.map((x) => x.status)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
    ]);

    // Without a subscription: every active subscription's failed attempts (a has one left; b, inactive, is left out).
    await app.subscriptions.deactivate(b.id);
    expect(await app.attempts.replay()).toEqual({ count: 1 });
    await drainDue(app);
    expect((await app.attempts.list(a.id)).items.map((x) => x.status)).toEqual([
      'successful',
      'successful',
      'successful',
      'successful',
    ]);
    expect((await app.attempts.list(b.id)).items.map((x) => x.status)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
    ]);

    // An inactive subscription's attempts are replayed when it is named; successful ones when asked.
    expect(await app.attempts.replay({ subscriptionId: b.id, status: 'failed' })).toEqual({ count: 4 });
    await drainDue(app);
    expect((await app.attempts.list(b.id)).items.map((x) => x.status)).toEqual([
      'successful',
      'successful',
      'successful',
      'successful',
    ]);
    expect(await app.attempts.replay({ subscriptionId: b.id, since: new Date(clock.now() + 1) })).toEqual({ count: 0 });
    expect(await app.attempts.replay({ subscriptionId: b.id, status: 'successful', since })).toEqual({ count: 3 });
    await drainDue(app);
    expect(receiver.received('/replay-b')).toHaveLength(4 + 4 + 3);
  });

  it('rejects bad replay filters naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ status: 'pending' }, 'status'],
      [{ since: 'yesterday' }, 'since'],
      [{ since: new Date('nope') }, 'since'],
      [{ subscriptionId: 42 }, 'subscriptionId'],
      [{ subscription: 'x' }, 'subscription'],
      ['all', 'filter'],
    ];
    for (const [filter, field] of cases) {
      const error = await app.attempts.replay(filter as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookValidationError);
      expect(error).toMatchObject({ field });
    }
  });

  it('sends a signed test event to one subscription whatever its patterns, without retrying it', async () => {
    const sub = await app.subscriptions.create({
      to: receiver.url('/ping'),
      events: 'invoice.paid',
      dialect: 'standard',
      retry: { attempts: 5, firstDelay: S },
    });
    await app.subscriptions.create({ to: receiver.url('/bystander'), events: '*' });
    const result = await app.dispatcher.sendTest(sub.id);
    expect(result.attempts).toEqual([{ id: expect.any(String), subscriptionId: sub.id }]);
    await receiver.waitFor(1, '/ping');
    await app.engine.whenIdle();
    const [request] = receiver.received('/ping');
    const body = new Webhook(sub.secret).verify(request.body, request.headers as Record<string, string>) as Record<
      string,
      any
    >;
    expect(body).toMatchObject({ type: TEST_EVENT, data: { test: true, subscriptionId: sub.id } });
    expect(request.headers['webhook-id']).toBe(result.messageId);
    expect(receiver.received('/bystander')).toHaveLength(0);
    expect(await app.attempts.get(result.attempts[0].id)).toMatchObject({ event: TEST_EVENT, status: 'successful' });

    // A failing test is recorded and not retried; an inactive subscription can be tested too.
    receiver.respond('/ping', { status: 503 });
    await app.subscriptions.deactivate(sub.id);
    const failing = await app.dispatcher.sendTest(sub.id);
    await app.engine.whenIdle();
    expect(await app.attempts.get(failing.attempts[0].id)).toMatchObject({
      status: 'failed',
      attemptCount: 1,
      nextAttemptAt: null,
    });
    expect(receiver.received('/ping')).toHaveLength(2);

    await expect(app.dispatcher.sendTest('00000000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(
      WebhookSubscriptionNotFoundError,
    );
  });
});

describe('retry and replay of static in-memory subscriptions', () => {
  let receiver: TestReceiver;
  let app: TestApp;
  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(
      { type: 'better-sqlite3', database: ':memory:' },
      options(new TestClock(), { storage: 'memory', subscriptions: [{ to: receiver.url('/mem'), events: 'mem.*' }] }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it('retry one, replay all and send a test event in memory', async () => {
    const [stat] = (await app.subscriptions.list({ static: true })).items;
    receiver.respond('/mem', { status: 500 });
    await app.dispatcher.dispatch('mem.one', {});
    await app.dispatcher.dispatch('mem.two', {});
    await app.engine.whenIdle();
    const [two, one] = (await app.attempts.list(stat.id)).items;
    expect([one.status, two.status]).toEqual(['failed', 'failed']);

    receiver.respond('/mem', { status: 200 });
    expect(await app.attempts.retry(one.id)).toMatchObject({ status: 'pending', nextTrigger: 'manual' });
    await app.engine.whenIdle();
    expect(await app.attempts.get(one.id)).toMatchObject({ status: 'successful', attemptCount: 2 });

    expect(await app.attempts.replay({ subscriptionId: stat.id })).toEqual({ count: 1 });
    await app.engine.whenIdle();
    expect((await app.attempts.get(two.id)).tries.map((t) => [t.trigger, t.statusCode])).toEqual([
      ['scheduled', 500],
      ['manual', 200],
    ]);
    const ids = receiver.received('/mem').map((r) => r.headers['webhook-id']);
    expect(ids.slice(0, 2).sort()).toEqual([one.messageId, two.messageId].sort());
    expect(ids.slice(2)).toEqual([one.messageId, two.messageId]);

    const test = await app.dispatcher.sendTest(stat.id);
    await app.engine.whenIdle();
    expect(await app.attempts.get(test.attempts[0].id)).toMatchObject({ event: TEST_EVENT, status: 'successful' });
  });
});
