import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookEvents, type WebhooksModuleOptions } from '../lib';
import {
  DESTINATION_VERIFICATION_FAILED,
  GONE_DEACTIVATION_MESSAGE,
  RETRY_CANCELLED_MESSAGE,
} from '../lib/core/messages/status.messages';
import { createTestApp, drainDue, type TestApp } from './support/app';
import { TestClock } from './support/clock';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';
import { StubResolver } from './support/stub-resolver';

const S = 1_000;
const enotfound = (host: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });

/**
 * One try at a time (so that what follows a throttling answer is deterministic), polls only when a test
 * calls pollNow(), exact delays: 10 s, 30 s, 60 s (capped) between 4 tries.
 */
const options = (
  clock: TestClock,
  resolver: StubResolver,
  extra: WebhooksModuleOptions = {},
): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true, resolver: resolver.resolve },
  delivery: { pollInterval: 3_600_000, concurrency: 1 },
  retry: {
    attempts: 4,
    firstDelay: 10 * S,
    factor: 3,
    maxDelay: 60 * S,
    jitter: 0,
    throttlePause: 30 * S,
    maxRetryAfter: 120 * S,
  },
  clock,
  ...extra,
});

describeEachDatabase('retries', (db) => {
  const clock = new TestClock();
  const resolver = new StubResolver();
  let app: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(db.options, options(clock, resolver));
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  it('retries a failed try on the backoff schedule until it succeeds, keeping every try', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/flaky'), events: 'flaky.happen' });
    receiver.respond('/flaky', (_request, index) => ({ status: index < 2 ? 500 : 200 }));
    const t0 = clock.now();
    const { messageId, attempts } = await app.dispatcher.dispatch('flaky.happen', { n: 1 });
    const id = attempts[0].id;
    await app.engine.whenIdle();

    let attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({
      status: 'pending',
      message: '500 Internal Server Error',
      attemptCount: 1,
      nextAttemptAt: new Date(t0 + 10 * S),
      leaseOwner: null,
      resolvedAt: null,
    });
    expect(attempt.tries).toEqual([
      expect.objectContaining({
        number: 1,
        trigger: 'scheduled',
        statusCode: 500,
        nextAttemptAt: new Date(t0 + 10 * S).toISOString(),
      }),
    ]);
    expect(
      app.events.filter((e) => e.name === WebhookEvents.attemptRetrying && e.payload.attempt.id === id),
    ).toHaveLength(1);

    clock.advance(10 * S - 1);
    await drainDue(app);
    expect(receiver.received('/flaky')).toHaveLength(1);

    clock.advance(1);
    await drainDue(app);
    expect(receiver.received('/flaky')).toHaveLength(2);
    attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({ status: 'pending', attemptCount: 2, nextAttemptAt: new Date(t0 + 40 * S) });

    clock.advance(30 * S);
    await drainDue(app);
    attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({ status: 'successful', message: '200 OK', attemptCount: 3, nextAttemptAt: null });
    expect(attempt.tries.map((t) => [t.number, t.trigger, t.statusCode])).toEqual([
      [1, 'scheduled', 500],
      [2, 'retry', 500],
      [3, 'retry', 200],
    ]);
    const requests = receiver.received('/flaky');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId, messageId]);
    expect(requests.map((r) => Number(r.headers['webhook-timestamp']))).toEqual(
      [t0, t0 + 10 * S, t0 + 40 * S].map((t) => t / 1000),
    );
    // A retried attempt that succeeded is no failure.
    expect((await app.subscriptions.get(sub.id)).consecutiveFailures).toBe(0);
  });

  it("gives up after the subscription's own number of tries, counting one failed attempt", async () => {
    const sub = await app.subscriptions.create({
      to: receiver.url('/down'),
      events: 'down.happen',
      retry: { attempts: 2, schedule: [5 * S] },
    });
    expect(sub.retry).toEqual({ attempts: 2, schedule: [5 * S] });
    receiver.respond('/down', { status: 500 });
    const t0 = clock.now();
    const [{ id }] = (await app.dispatcher.dispatch('down.happen', {})).attempts;
    await app.engine.whenIdle();
    expect(await app.attempts.get(id)).toMatchObject({ status: 'pending', nextAttemptAt: new Date(t0 + 5 * S) });
    clock.advance(5 * S);
    await drainDue(app);
    const attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({
      status: 'failed',
      attemptCount: 2,
      nextAttemptAt: null,
      message: '500 Internal Server Error',
    });
    expect(attempt.resolvedAt).toEqual(new Date(t0 + 5 * S));
    expect(attempt.tries.map((t) => t.trigger)).toEqual(['scheduled', 'retry']);
    expect(attempt.tries[1].nextAttemptAt).toBeUndefined();
    expect((await app.subscriptions.get(sub.id)).consecutiveFailures).toBe(1);
    expect(
      app.events.filter((e) => e.name === WebhookEvents.attemptFailed && e.payload.attempt.id === id),
    ).toHaveLength(1);

    // The override can be changed and removed; a bad one is refused naming the field.
    await expect(app.subscriptions.update(sub.id, { retry: { attempts: 0 } })).rejects.toMatchObject({
      field: 'retry.attempts',
    });
    expect((await app.subscriptions.update(sub.id, { retry: null })).retry).toBeNull();
    expect((await app.subscriptions.get(sub.id)).retry).toBeNull();
    await expect(
      app.subscriptions.create({ to: receiver.url('/x'), events: 'x.y', retry: { schedule: [1, 'soon'] } as never }),
    ).rejects.toMatchObject({
      field: 'retry.schedule[1]',
    });
  });

  it('honours Retry-After in seconds and as an HTTP date, capped by maxRetryAfter', async () => {
    for (const path of ['/ra-seconds', '/ra-date', '/ra-long'])
      await app.subscriptions.create({ to: receiver.url(path), events: 'ra.happen' });
    const t0 = clock.now();
    receiver.respond('/ra-seconds', { status: 500, headers: { 'retry-after': '45' } });
    receiver.respond('/ra-date', () => ({
      status: 500,
      headers: { 'retry-after': new Date(clock.now() + 90 * S).toUTCString() },
    }));
    receiver.respond('/ra-long', { status: 500, headers: { 'retry-after': '100000' } });
    const { attempts } = await app.dispatcher.dispatch('ra.happen', {});
    await app.engine.whenIdle();
    const due = await Promise.all(
      attempts.map(async ({ id }) => (await app.attempts.get(id)).nextAttemptAt!.getTime() - t0),
    );
    expect(due).toEqual([45 * S, 90 * S, 120 * S]);

    receiver.respond('/ra-seconds', { status: 200 });
    clock.advance(45 * S);
    await drainDue(app);
    expect(receiver.received('/ra-seconds')).toHaveLength(2);
    expect(receiver.received('/ra-date')).toHaveLength(1);
    expect(receiver.received('/ra-long')).toHaveLength(1);
    // What is still due is sent once the receivers answer again (no leftovers for the next tests).
    receiver.reset();
    clock.advance(75 * S);
    await drainDue(app);
    for (const { id } of attempts) expect((await app.attempts.get(id)).status).toBe('successful');
  });

  it("pauses a throttled subscription: its other attempts wait without using tries, other subscriptions' do not", async () => {
    const throttled = await app.subscriptions.create({ to: receiver.url('/throttled'), events: 'burst.happen' });
    await app.subscriptions.create({ to: receiver.url('/calm'), events: 'burst.happen' });
    receiver.respond('/throttled', (_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '20' } } : { status: 200 },
    );
    const t0 = clock.now();
    app.engine.pause();
    const dispatched = [];
    for (let i = 0; i < 3; i++) dispatched.push((await app.dispatcher.dispatch('burst.happen', { i })).attempts);
    app.engine.resume();
    await app.engine.whenIdle();
    const [first, ...others] = dispatched.map((pair) => pair.find((a) => a.subscriptionId === throttled.id)!.id);

    expect(receiver.received('/throttled')).toHaveLength(1);
    expect(receiver.received('/calm')).toHaveLength(3);
    expect((await app.subscriptions.get(throttled.id)).pausedUntil).toEqual(new Date(t0 + 20 * S));
    expect(await app.attempts.get(first)).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      message: '429 Too Many Requests',
      nextAttemptAt: new Date(t0 + 20 * S),
    });
    for (const id of others) {
      expect(await app.attempts.get(id)).toMatchObject({
        status: 'pending',
        attemptCount: 0,
        tries: [],
        nextAttemptAt: new Date(t0 + 20 * S),
      });
    }

    // While paused, a new event waits too; the other subscription still gets its copy at once.
    const late = (await app.dispatcher.dispatch('burst.happen', { late: true })).attempts.find(
      (a) => a.subscriptionId === throttled.id,
    )!.id;
    await app.engine.whenIdle();
    expect(receiver.received('/throttled')).toHaveLength(1);
    expect(receiver.received('/calm')).toHaveLength(4);
    expect((await app.attempts.get(late)).attemptCount).toBe(0);

    clock.advance(20 * S - 1);
    await drainDue(app);
    expect(receiver.received('/throttled')).toHaveLength(1);

    clock.advance(1);
    await drainDue(app);
    expect(receiver.received('/throttled')).toHaveLength(5);
    const after = await app.attempts.get(first);
    expect(after).toMatchObject({ status: 'successful', attemptCount: 2 });
    expect(after.tries.map((t) => [t.trigger, t.statusCode])).toEqual([
      ['scheduled', 429],
      ['retry', 200],
    ]);
    for (const id of [...others, late]) {
      const attempt = await app.attempts.get(id);
      expect(attempt).toMatchObject({ status: 'successful', attemptCount: 1 });
      expect(attempt.tries.map((t) => t.trigger)).toEqual(['scheduled']);
    }
  });

  it('keeps every instance off a paused subscription, even one whose index has not seen the pause', async () => {
    const throttled = await app.subscriptions.create({ to: receiver.url('/busy'), events: 'busy.happen' });
    // Another instance on the same database that reads the registry once an hour: its index stays stale.
    const other = await createTestApp(db.options, options(clock, resolver, { registry: { syncInterval: 3_600_000 } }));
    try {
      receiver.respond('/busy', (_request, index) => ({ status: index === 0 ? 503 : 200 }));
      const t0 = clock.now();
      const [{ id }] = (await app.dispatcher.dispatch('busy.happen', {})).attempts;
      await app.engine.whenIdle();
      expect((await app.subscriptions.get(throttled.id)).pausedUntil).toEqual(new Date(t0 + 30 * S));
      expect(other.registry.getActive(throttled.id)?.pausedUntil).toBeNull();

      // A person retries it by hand on the other instance: due now, but not claimed while paused.
      expect(await other.attempts.retry(id)).toMatchObject({ status: 'pending', nextTrigger: 'manual' });
      await drainDue(other);
      expect(receiver.received('/busy')).toHaveLength(1);
      expect(await app.attempts.get(id)).toMatchObject({ status: 'pending', attemptCount: 1 });

      clock.advance(30 * S);
      await drainDue(other);
      expect(receiver.received('/busy')).toHaveLength(2);
      const attempt = await app.attempts.get(id);
      expect(attempt).toMatchObject({ status: 'successful', attemptCount: 2 });
      expect(attempt.tries.map((t) => [t.trigger, t.statusCode])).toEqual([
        ['scheduled', 503],
        ['manual', 200],
      ]);
    } finally {
      await other.close();
    }
  });

  it('deactivates a subscription whose target answers 410 Gone, at once and without retrying', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/gone'), events: 'gone.happen' });
    receiver.respond('/gone', { status: 410 });
    const [{ id }] = (await app.dispatcher.dispatch('gone.happen', {})).attempts;
    await app.engine.whenIdle();
    expect(await app.attempts.get(id)).toMatchObject({
      status: 'failed',
      message: '410 Gone',
      attemptCount: 1,
      nextAttemptAt: null,
    });
    const after = await app.subscriptions.get(sub.id);
    expect(after).toMatchObject({ active: false, statusMessage: GONE_DEACTIVATION_MESSAGE });
    expect(after.statusMessage).toContain('410 Gone');
    expect(
      app.events.filter(
        (e) => e.name === WebhookEvents.subscriptionDeactivated && e.payload.subscription.id === sub.id,
      ),
    ).toEqual([expect.objectContaining({ payload: expect.objectContaining({ reason: GONE_DEACTIVATION_MESSAGE }) })]);
    expect((await app.dispatcher.dispatch('gone.happen', {})).attempts).toEqual([]);
    clock.advance(60 * S);
    await drainDue(app);
    expect(receiver.received('/gone')).toHaveLength(1);
  });

  it('never retries a blocked destination; retries one whose name did not resolve yet', async () => {
    const port = new URL(receiver.url()).port;
    // Unresolvable at creation (accepted), then resolving to the cloud metadata address: blocked.
    resolver.on('metadata.test', enotfound('metadata.test'), ['169.254.169.254']);
    const blocked = await app.subscriptions.create({ to: `http://metadata.test:${port}/meta`, events: 'dns.happen' });
    resolver.on('later.test', enotfound('later.test'), enotfound('later.test'), ['127.0.0.1']);
    const later = await app.subscriptions.create({ to: `http://later.test:${port}/later`, events: 'dns.happen' });
    const t0 = clock.now();
    const { attempts } = await app.dispatcher.dispatch('dns.happen', {});
    await app.engine.whenIdle();
    const byId = (subscriptionId: string) =>
      app.attempts.get(attempts.find((a) => a.subscriptionId === subscriptionId)!.id);

    const meta = await byId(blocked.id);
    expect(meta).toMatchObject({ status: 'failed', attemptCount: 1, nextAttemptAt: null });
    expect(meta.message).toMatch(/169\.254\.169\.254/);
    expect(await byId(later.id)).toMatchObject({
      status: 'pending',
      message: DESTINATION_VERIFICATION_FAILED,
      nextAttemptAt: new Date(t0 + 10 * S),
    });

    clock.advance(10 * S);
    await drainDue(app);
    expect(await byId(later.id)).toMatchObject({ status: 'successful', attemptCount: 2 });
    expect(receiver.received('/later')).toHaveLength(1);
    expect(receiver.received('/meta')).toHaveLength(0);
  });

  it('drops the scheduled retries of a subscription deactivated meanwhile', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/switched-off'), events: 'off.happen' });
    receiver.respond('/switched-off', { status: 500 });
    const [{ id }] = (await app.dispatcher.dispatch('off.happen', {})).attempts;
    await app.engine.whenIdle();
    await app.subscriptions.deactivate(sub.id);
    clock.advance(10 * S);
    await drainDue(app);
    const attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({ status: 'failed', message: RETRY_CANCELLED_MESSAGE, attemptCount: 1 });
    expect(attempt.tries).toHaveLength(1);
    expect(receiver.received('/switched-off')).toHaveLength(1);
  });

  it('sends a scheduled retry after a restart, from the new instance, when it is due', async () => {
    const database = await db.another();
    const restartClock = new TestClock();
    receiver.respond('/restart', (_request, index) => ({ status: index === 0 ? 502 : 200 }));
    const first = await createTestApp(
      database,
      options(restartClock, resolver, { retry: { jitter: 0, firstDelay: 10 * S, throttlePause: 0 } }),
    );
    let id = '';
    let messageId = '';
    const t0 = restartClock.now();
    try {
      await first.subscriptions.create({ to: receiver.url('/restart'), events: 'restart.happen' });
      ({
        messageId,
        attempts: [{ id }],
      } = await first.dispatcher.dispatch('restart.happen', { n: 7 }));
      await first.engine.whenIdle();
      expect(await first.attempts.get(id)).toMatchObject({ status: 'pending', nextAttemptAt: new Date(t0 + 10 * S) });
    } finally {
      await first.close();
    }

    restartClock.advance(10 * S);
    const second = await createTestApp(
      database,
      options(restartClock, resolver, { retry: { jitter: 0, firstDelay: 10 * S, throttlePause: 0 } }),
    );
    try {
      await second.engine.pollNow();
      await receiver.waitFor(2, '/restart');
      await drainDue(second);
      const attempt = await second.attempts.get(id);
      expect(attempt).toMatchObject({ status: 'successful', attemptCount: 2 });
      expect(attempt.tries.map((t) => [t.trigger, t.statusCode])).toEqual([
        ['scheduled', 502],
        ['retry', 200],
      ]);
      const requests = receiver.received('/restart');
      expect(requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
      expect(JSON.parse(requests[1].body)).toEqual({ n: 7 });
      expect(Number(requests[1].headers['webhook-timestamp'])).toBe((t0 + 10 * S) / 1000);
    } finally {
      await second.close();
    }
  });
});

describe('retries of static in-memory subscriptions', () => {
  const clock = new TestClock();
  let receiver: TestReceiver;
  let app: TestApp;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(
      { type: 'better-sqlite3', database: ':memory:' },
      options(clock, new StubResolver(), {
        storage: 'memory',
        subscriptions: [{ to: receiver.url('/memory'), events: 'memory.*' }],
      }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it('are scheduled in memory, paused on throttling and sent when due', async () => {
    const [stat] = (await app.subscriptions.list({ static: true })).items;
    receiver.respond('/memory', (_request, index) => ({ status: index === 0 ? 503 : 200 }));
    const t0 = clock.now();
    await app.dispatcher.dispatch('memory.one', {});
    await app.engine.whenIdle();
    let [attempt] = (await app.attempts.list(stat.id)).items;
    expect(attempt).toMatchObject({ status: 'pending', attemptCount: 1, nextAttemptAt: new Date(t0 + 30 * S) });
    expect((await app.subscriptions.list({ static: true })).items[0].pausedUntil).toEqual(new Date(t0 + 30 * S));

    // Another event waits for the pause, untried.
    await app.dispatcher.dispatch('memory.two', {});
    await app.engine.whenIdle();
    expect(receiver.received('/memory')).toHaveLength(1);

    clock.advance(30 * S);
    await drainDue(app);
    expect(receiver.received('/memory')).toHaveLength(3);
    const items = (await app.attempts.list(stat.id)).items;
    expect(items.map((a) => [a.event, a.status, a.tries.map((t) => t.trigger)])).toEqual([
      ['memory.two', 'successful', ['scheduled']],
      ['memory.one', 'successful', ['scheduled', 'retry']],
    ]);
    [attempt] = items;
    expect(attempt.attemptCount).toBe(1);
  });
});
