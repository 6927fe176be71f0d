import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookDeliveryAttempt, WebhookEvents, WebhookPayloadError, type WebhooksModuleOptions } from '../lib';
import {
  DELIVERY_FAILURES_MESSAGE,
  DESTINATION_VERIFICATION_FAILED,
  REMOTE_ERROR,
  RESPONSE_HANDLING_ERROR,
} from '../lib/core/messages/status.messages';
import { createMemoryTransport, WebhooksTestKit } from '../lib/testing';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

// The seed's behaviour: one try per attempt, no throttling pauses (retries have their own suite).
const options = (extra: WebhooksModuleOptions = {}): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true },
  delivery: { pollInterval: 50 },
  retry: { attempts: 1, throttlePause: 0 },
  ...extra,
});

describeEachDatabase('delivery (the seed delivery_attempts.rst)', (db) => {
  let app: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(db.options, options());
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  async function subscribe(path: string, events = 'folder.create', extra: object = {}) {
    return app.subscriptions.create({ to: receiver.url(path), events, ...extra });
  }
  async function only(subscriptionId: string): Promise<WebhookDeliveryAttempt> {
    const { items } = await app.attempts.list(subscriptionId);
    expect(items).toHaveLength(1);
    return items[0];
  }

  it('records a successful attempt with request, response and origin', async () => {
    const sub = await subscribe('/ok');
    receiver.respond('/ok', { status: 200, body: 'thanks', headers: { 'x-receiver': 'yes' } });
    const result = await app.dispatcher.dispatch('folder.create', { name: 'Folder' }, { note: '/some/request/path' });
    expect(result.attempts).toEqual([{ id: expect.any(String), subscriptionId: sub.id }]);
    await app.engine.whenIdle();

    const [request] = receiver.received('/ok');
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body)).toEqual({ name: 'Folder' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('nestjs-webhooks/0.1.0');
    expect(request.headers['webhook-id']).toBe(result.messageId);
    expect(Number(request.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);

    const attempt = await only(sub.id);
    expect(attempt).toMatchObject({
      id: result.attempts[0].id,
      status: 'successful',
      message: '200 OK',
      event: 'folder.create',
      scope: '/',
      messageId: result.messageId,
      attemptCount: 1,
      nextAttemptAt: null,
      leaseOwner: null,
    });
    expect(attempt.request).toMatchObject({ url: receiver.url('/ok'), method: 'POST', body: '{"name":"Folder"}' });
    expect(attempt.request.headers).toMatchObject({
      'webhook-id': result.messageId,
      'content-type': 'application/json',
    });
    expect(attempt.response).toMatchObject({ statusCode: 200, reason: 'OK', body: 'thanks', truncated: false });
    expect(attempt.response!.headers['x-receiver']).toBe('yes');
    expect(attempt.response!.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(attempt.internalInfo.originated).toMatchObject({ pid: process.pid, note: '/some/request/path' });
    expect(attempt.internalInfo.exceptionHistory).toEqual([]);
    expect(attempt.tries).toEqual([
      expect.objectContaining({ number: 1, trigger: 'scheduled', statusCode: 200, message: '200 OK' }),
    ]);
    expect(attempt.resolvedAt!.getTime()).toBeGreaterThanOrEqual(attempt.createdAt.getTime());
    expect(
      app.events.some((e) => e.name === WebhookEvents.attemptSucceeded && e.payload.attempt.id === attempt.id),
    ).toBe(true);
  });

  it('records an HTTP failure with the response status as its message', async () => {
    const sub = await subscribe('/missing', 'folder.delete');
    receiver.respond('/missing', { status: 404, body: 'nope' });
    await app.dispatcher.dispatch('folder.delete', { id: 1 });
    await app.engine.whenIdle();
    const attempt = await only(sub.id);
    expect(attempt).toMatchObject({
      status: 'failed',
      message: '404 Not Found',
      response: expect.objectContaining({ statusCode: 404, body: 'nope' }),
    });
    expect(attempt.internalInfo.exceptionHistory).toEqual([]);
    expect(app.events.some((e) => e.name === WebhookEvents.attemptFailed && e.payload.attempt.id === attempt.id)).toBe(
      true,
    );
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    const sub = await subscribe('/moved', 'folder.move');
    receiver.respond('/moved', { status: 302, headers: { location: receiver.url('/elsewhere') } });
    await app.dispatcher.dispatch('folder.move', {});
    await app.engine.whenIdle();
    expect(await only(sub.id)).toMatchObject({ status: 'failed', message: '302 Found' });
    expect(receiver.received('/elsewhere')).toHaveLength(0);
  });

  it('records a failure to contact the server with the exception', async () => {
    const closed = await TestReceiver.start();
    const url = closed.url('/gone');
    await closed.close();
    const sub = await app.subscriptions.create({ to: url, events: 'folder.touch' });
    await app.dispatcher.dispatch('folder.touch', {}, { note: 'this should fail remotely' });
    await app.engine.whenIdle();
    const attempt = await only(sub.id);
    expect(attempt).toMatchObject({ status: 'failed', message: REMOTE_ERROR, response: null });
    expect(attempt.internalInfo.originated.note).toBe('this should fail remotely');
    expect(attempt.internalInfo.exceptionHistory).toHaveLength(1);
    expect(attempt.internalInfo.exceptionHistory[0]).toMatch(/ECONNREFUSED|connect/);
  });

  it('fails validation of a destination that does not resolve, without sending', async () => {
    const sub = await app.subscriptions.create({
      to: 'https://this_domain_does_not_exist.invalid/hook',
      events: 'folder.share',
    });
    await app.dispatcher.dispatch('folder.share', {});
    await app.engine.whenIdle();
    const attempt = await only(sub.id);
    expect(attempt).toMatchObject({ status: 'failed', message: DESTINATION_VERIFICATION_FAILED });
    expect(attempt.internalInfo.exceptionHistory).toHaveLength(1);
  });

  it('sends nothing for a transaction that rolls back, and once for one that commits', async () => {
    const sub = await subscribe('/tx', 'invoice.create');
    await expect(
      app.dataSource.transaction(async (manager) => {
        await app.dispatcher.dispatch('invoice.create', { n: 'rolled back' }, { manager });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');

    let seenBeforeCommit = -1;
    await app.dataSource.transaction(async (manager) => {
      await app.dispatcher.dispatch('invoice.create', { n: 'committed' }, { manager });
      seenBeforeCommit = receiver.received('/tx').length;
    });
    await receiver.waitFor(1, '/tx');
    await app.engine.whenIdle();
    expect(seenBeforeCommit).toBe(0);
    expect(receiver.received('/tx').map((r) => JSON.parse(r.body))).toEqual([{ n: 'committed' }]);
    const { items } = await app.attempts.list(sub.id);
    expect(items.map((a) => JSON.parse(a.request.body))).toEqual([{ n: 'committed' }]);
  });

  it('sends nothing for a savepoint that rolls back inside a transaction that commits', async () => {
    await subscribe('/savepoint', 'order.create');
    await app.dataSource.transaction(async (manager) => {
      await app.dispatcher.dispatch('order.create', { n: 1 }, { manager });
      await manager
        .transaction(async (inner) => {
          await app.dispatcher.dispatch('order.create', { n: 2 }, { manager: inner });
          throw new Error('inner');
        })
        .catch(() => undefined);
      await app.dispatcher.dispatch('order.create', { n: 3 }, { manager });
    });
    await app.engine.whenIdle();
    expect(
      receiver
        .received('/savepoint')
        .map((r) => JSON.parse(r.body).n)
        .sort(),
    ).toEqual([1, 3]);
  });

  it('rejects bad dispatch arguments with a typed error naming the field', async () => {
    await expect(app.dispatcher.dispatch('Not An Event', {})).rejects.toMatchObject({ field: 'event' });
    await expect(app.dispatcher.dispatch('a.b', {}, { scope: 'x' })).rejects.toMatchObject({ field: 'scope' });
    await expect(app.dispatcher.dispatch('a.b', {}, { id: 'has space' })).rejects.toMatchObject({ field: 'id' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await subscribe('/cyclic', 'cycle.test');
    await expect(app.dispatcher.dispatch('cycle.test', cyclic)).rejects.toBeInstanceOf(WebhookPayloadError);
  });
});

describeEachDatabase('delivery rules, in memory (the testing kit: no socket needed)', (db) => {
  const HOOKS = 'https://hooks.example.com';
  let app: TestApp;
  let kit: WebhooksTestKit;

  beforeAll(async () => {
    const transport = createMemoryTransport();
    app = await createTestApp(db.options, { delivery: { transport }, targets: transport.offlineTargets() });
    kit = WebhooksTestKit.from(app.module);
  });
  afterAll(() => app?.close());
  afterEach(() => kit.reset());

  const subscribe = (path: string, events: string) => app.subscriptions.create({ to: `${HOOKS}${path}`, events });

  it('records a failure to handle the response', async () => {
    const sub = await subscribe('/local', 'folder.open');
    kit.failProcessing();
    await app.dispatcher.dispatch('folder.open', {}, { note: 'this should fail locally' });
    await kit.waitForDeliveries();
    const { items } = await app.attempts.list(sub.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: 'failed', message: RESPONSE_HANDLING_ERROR });
    expect(items[0].response?.statusCode).toBe(200);
    expect(items[0].internalInfo.exceptionHistory[0]).toMatch(/SimulatedProcessingError/);
    expect(kit.requestsTo(`${HOOKS}/local`)).toHaveLength(1);
  });

  it('keeps the newest 50 resolved attempts, never dropping pending ones (deferred delivery)', async () => {
    const sub = await subscribe('/history', 'note.create');
    kit.deferDeliveries();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await app.dispatcher.dispatch('note.create', { i })).attempts[0].id);
    const pending = await app.attempts.list(sub.id, { limit: 500 });
    expect(pending.items).toHaveLength(100);
    expect(new Set(pending.items.map((a) => a.status))).toEqual(new Set(['pending']));
    // Newest first, i.e. creation order reversed.
    expect(pending.items.map((a) => a.id)).toEqual([...ids].reverse());

    kit.releaseDeliveries();
    await kit.waitForDeliveries();
    expect(kit.requestsTo(`${HOOKS}/history`)).toHaveLength(100);
    const kept = (await app.attempts.list(sub.id, { limit: 500 })).items;
    expect(kept).toHaveLength(50);
    expect(new Set(kept.map((a) => a.status))).toEqual(new Set(['successful']));
    expect(kept.map((a) => a.id)).not.toContain(ids[0]);
    expect(kept.map((a) => a.id)).toContain(ids[50]);
  });

  it('deactivates a subscription whose kept history is all failures, and activation resets it', async () => {
    const sub = await subscribe('/failing', 'alarm.raise');
    kit.respondWith(`${HOOKS}/failing`, 500);
    for (let i = 0; i < 60; i++) await app.dispatcher.dispatch('alarm.raise', { i });
    await kit.waitForDeliveries();
    const after = await app.subscriptions.get(sub.id);
    expect(after).toMatchObject({ active: false, statusMessage: DELIVERY_FAILURES_MESSAGE });
    const kept = (await app.attempts.list(sub.id, { limit: 500 })).items;
    expect(kept).toHaveLength(50);
    expect(new Set(kept.map((a) => a.status))).toEqual(new Set(['failed']));
    expect(
      app.events.filter(
        (e) => e.name === WebhookEvents.subscriptionDeactivated && e.payload.subscription.id === sub.id,
      ),
    ).toHaveLength(1);

    // Deactivated: further events do not reach it.
    const before = kit.requestsTo(`${HOOKS}/failing`).length;
    expect((await app.dispatcher.dispatch('alarm.raise', {})).attempts).toEqual([]);
    await kit.waitForDeliveries();
    expect(kit.requestsTo(`${HOOKS}/failing`)).toHaveLength(before);

    expect(await app.subscriptions.activate(sub.id)).toBe(true);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({
      active: true,
      statusMessage: 'Active',
      consecutiveFailures: 0,
    });
    kit.respondWith(`${HOOKS}/failing`, 200);
    await app.dispatcher.dispatch('alarm.raise', {});
    await kit.waitForDeliveries();
    expect(await app.subscriptions.get(sub.id)).toMatchObject({ active: true, consecutiveFailures: 0 });
  });

  it('delivers to none but active subscriptions', async () => {
    const sub = await subscribe('/inactive', 'lamp.switch');
    await app.subscriptions.deactivate(sub.id);
    expect((await app.dispatcher.dispatch('lamp.switch', {})).attempts).toEqual([]);
    await kit.waitForDeliveries();
    expect(kit.requestsTo(`${HOOKS}/inactive`)).toHaveLength(0);
  });

  it('writes one attempt per subscription for a repeated explicit message id', async () => {
    const sub = await subscribe('/idem', 'payment.capture');
    await app.dispatcher.dispatch('payment.capture', { n: 1 }, { id: 'pay_123' });
    await app.dispatcher.dispatch('payment.capture', { n: 2 }, { id: 'pay_123' });
    // Claimed after the commit: waitForDeliveries() also waits for that hand-over.
    await kit.waitForDeliveries();
    expect(kit.requestsTo(`${HOOKS}/idem`).map((r) => [r.webhookId, r.json()])).toEqual([['pay_123', { n: 1 }]]);
    expect((await app.attempts.list(sub.id)).items).toHaveLength(1);
  });
});

describe("declared subscriptions with storage: 'memory'", () => {
  let receiver: TestReceiver;
  beforeAll(async () => (receiver = await TestReceiver.start()));
  afterAll(() => receiver.close());

  it('deliver the same way, with an in-memory history', async () => {
    const app = await createTestApp(
      { type: 'better-sqlite3', database: ':memory:' },
      options({ storage: 'memory', subscriptions: [{ to: receiver.url('/static'), events: 'contact.*' }] }),
    );
    try {
      const [stat] = (await app.subscriptions.list({ static: true })).items;
      await app.dispatcher.dispatch('contact.create', { name: 'Bob' });
      await receiver.waitFor(1, '/static');
      await app.engine.whenIdle();
      const { items } = await app.attempts.list(stat.id);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ status: 'successful', message: '200 OK', subscriptionId: stat.id });
      expect(await app.attempts.get(items[0].id)).toBe(items[0]);

      receiver.respond('/static', { status: 503 });
      for (let i = 0; i < 55; i++) await app.dispatcher.dispatch('contact.update', { i });
      await app.engine.whenIdle();
      expect((await app.subscriptions.list({ static: true })).items[0]).toMatchObject({
        active: false,
        statusMessage: DELIVERY_FAILURES_MESSAGE,
      });
      expect((await app.attempts.list(stat.id, { limit: 500 })).items).toHaveLength(50);
    } finally {
      await app.close();
    }
  });
});
