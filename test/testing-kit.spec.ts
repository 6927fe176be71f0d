import { Injectable, Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  WEBHOOK_MIGRATIONS,
  WebhookAttempts,
  type WebhookDeliveryAttempt,
  WebhookDispatcher,
  WebhookSubscriptions,
  WebhooksConfigurationError,
  WebhooksModule,
  type WebhooksModuleOptions,
  WebhookValidationError,
} from '../lib';
import {
  DELIVERY_FAILURES_MESSAGE,
  DESTINATION_VERIFICATION_FAILED,
  REMOTE_ERROR,
  RESPONSE_HANDLING_ERROR,
} from '../lib/core/messages/status.messages';
import type { WebhookTransportOptions } from '../lib';
import {
  decodeSigningKey,
  decodeWebhookSecret,
  generateSigningKeyPair,
  generateWebhookSecret,
} from '../lib/core/signing/webhook-secret.util';
import { webhookHeaders } from '../lib/core/signing/webhook-signature.util';
import {
  createMemoryTransport,
  MemoryWebhookTransport,
  OFFLINE_DESTINATION_ADDRESS,
  overrideWebhooksForTesting,
  WebhookDeliveriesDeferredError,
  WebhookDeliveriesTimeoutError,
  WebhooksTestingModule,
  type WebhooksTestingModuleOptions,
  WebhooksTestKit,
} from '../lib/testing';
import { describeEachDatabase } from './support/databases';
// The example of docs/testing.md runs as part of this file, so that the page never shows code that fails.
import '../docs/examples/testing.example';

interface KitApp {
  moduleRef: TestingModule;
  kit: WebhooksTestKit;
  subscriptions: WebhookSubscriptions;
  dispatcher: WebhookDispatcher;
  attempts: WebhookAttempts;
  events: Array<{ name: string; payload: any }>;
  close(): Promise<void>;
}

function typeOrm(database: DataSourceOptions) {
  return TypeOrmModule.forRoot({
    ...database,
    autoLoadEntities: true,
    migrations: [...WEBHOOK_MIGRATIONS],
    migrationsRun: true,
    logging: false,
  } as TypeOrmModuleOptions);
}

/** An application with the testing module, as a user's test would build it. */
async function bootKit(database: DataSourceOptions, options: WebhooksTestingModuleOptions = {}): Promise<KitApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      typeOrm(database),
      WebhooksTestingModule.forRoot(options),
    ],
  }).compile();
  moduleRef.useLogger(false);
  const events: KitApp['events'] = [];
  moduleRef.get(EventEmitter2).onAny((name, payload) => events.push({ name: String(name), payload }));
  await moduleRef.init();
  return {
    moduleRef,
    kit: moduleRef.get(WebhooksTestKit),
    subscriptions: moduleRef.get(WebhookSubscriptions),
    dispatcher: moduleRef.get(WebhookDispatcher),
    attempts: moduleRef.get(WebhookAttempts),
    events,
    close: () => moduleRef.close(),
  };
}

const transportOptions = (extra: Partial<WebhookTransportOptions> = {}): WebhookTransportOptions => ({
  destination: {
    url: new URL('https://example.com/hook'),
    hostname: 'example.com',
    port: 443,
    address: OFFLINE_DESTINATION_ADDRESS,
    family: 4,
  },
  timeout: 1_000,
  connectTimeout: 1_000,
  maxResponseBodyBytes: 8192,
  ...extra,
});

describeEachDatabase('testing kit: the seed delivery_attempts.rst scenarios', (db) => {
  let app: KitApp;
  beforeAll(async () => {
    app = await bootKit(db.options);
  });
  afterAll(() => app?.close());
  afterEach(() => app.kit.reset());

  async function history(subscriptionId: string): Promise<WebhookDeliveryAttempt[]> {
    return (await app.attempts.list(subscriptionId, { limit: 500 })).items;
  }
  async function deliverSome(event: string, count: number, note?: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { attempts } = await app.dispatcher.dispatch(event, { i }, note === undefined ? {} : { note });
      ids.push(...attempts.map((a) => a.id));
    }
    return ids;
  }

  it('records a successful attempt with the request as sent and the response as received', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/some/path', events: 'folder.create' });
    expect(await history(sub.id)).toHaveLength(0);
    const result = await app.dispatcher.dispatch('folder.create', { name: 'Folder' }, { note: '/some/request/path' });
    await app.kit.waitForDeliveries();

    const [request] = app.kit.requestsTo('https://example.com/some/path');
    expect(app.kit.requests).toHaveLength(1);
    expect(request).toMatchObject({ url: 'https://example.com/some/path', method: 'POST', body: '{"name":"Folder"}' });
    expect(request.json()).toEqual({ name: 'Folder' });
    expect(request.header('Content-Type')).toBe('application/json');
    expect(request.webhookId).toBe(result.messageId);
    // Resolved offline: the guard pinned the kit's documentation address, nothing was looked up in DNS.
    expect(request.destination).toEqual({ hostname: 'example.com', address: OFFLINE_DESTINATION_ADDRESS, port: 443 });

    const attempts = await history(sub.id);
    expect(attempts).toHaveLength(1);
    const [attempt] = attempts;
    expect(attempt).toMatchObject({
      status: 'successful',
      message: '200 OK',
      messageId: result.messageId,
      attemptCount: 1,
    });
    expect(attempt.internalInfo.originated).toMatchObject({ pid: process.pid, note: '/some/request/path' });
    expect(attempt.internalInfo.exceptionHistory).toEqual([]);
    expect(attempt.request).toMatchObject({
      url: 'https://example.com/some/path',
      method: 'POST',
      body: '{"name":"Folder"}',
    });
    expect(attempt.request.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': expect.stringMatching(/^nestjs-webhooks\//),
      'webhook-id': result.messageId,
    });
    expect(attempt.response).toMatchObject({
      statusCode: 200,
      reason: 'OK',
      headers: { 'content-type': 'text/plain' },
      body: '',
      truncated: false,
    });
    expect(attempt.response!.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('records the scripted status of a failing receiver', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/missing', events: 'folder.delete' });
    app.kit.respondWith('https://example.com/missing', { status: 404, body: 'nope', headers: { 'X-Reason': 'gone' } });
    await app.dispatcher.dispatch('folder.delete', { id: 1 });
    await app.kit.waitForDeliveries();
    const [attempt] = await history(sub.id);
    expect(attempt).toMatchObject({ status: 'failed', message: '404 Not Found' });
    expect(attempt.response).toMatchObject({ statusCode: 404, body: 'nope', headers: { 'x-reason': 'gone' } });
    expect(attempt.internalInfo.exceptionHistory).toEqual([]);
  });

  it('records a failure to contact the server (http_requests_fail)', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/remote', events: 'folder.touch' });
    app.kit.failRequests();
    await app.dispatcher.dispatch('folder.touch', {}, { note: 'this should fail remotely' });
    await app.kit.waitForDeliveries();
    const [attempt] = await history(sub.id);
    expect(attempt).toMatchObject({ status: 'failed', message: REMOTE_ERROR, response: null });
    expect(attempt.internalInfo.originated.note).toBe('this should fail remotely');
    expect(attempt.internalInfo.exceptionHistory).toHaveLength(1);
    expect(attempt.internalInfo.exceptionHistory[0]).toMatch(
      /^SimulatedNetworkError: connect ECONNREFUSED 192\.0\.2\.1:443/,
    );
    expect(app.kit.requests[0].error).toBeInstanceOf(Error);
  });

  it('records a failure to handle the response (processing_results_fail)', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/local', events: 'folder.open' });
    app.kit.failProcessing();
    await app.dispatcher.dispatch('folder.open', {}, { note: 'this should fail locally' });
    await app.kit.waitForDeliveries();
    const [attempt] = await history(sub.id);
    expect(attempt).toMatchObject({ status: 'failed', message: RESPONSE_HANDLING_ERROR });
    // The receiver did answer; only handling its answer failed.
    expect(attempt.response?.statusCode).toBe(200);
    expect(app.kit.requests).toHaveLength(1);
    expect(attempt.internalInfo.originated.note).toBe('this should fail locally');
    expect(attempt.internalInfo.exceptionHistory).toHaveLength(1);
    expect(attempt.internalInfo.exceptionHistory[0]).toMatch(/^SimulatedProcessingError/);
  });

  it('records a failed destination check without sending (target_validation_fails)', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/unverified', events: 'folder.share' });
    app.kit.failDestinationChecks();
    await app.dispatcher.dispatch('folder.share', {});
    await app.kit.waitForDeliveries();
    const [attempt] = await history(sub.id);
    expect(attempt).toMatchObject({ status: 'failed', message: DESTINATION_VERIFICATION_FAILED, response: null });
    expect(attempt.internalInfo.exceptionHistory[0]).toMatch(/ENOTFOUND example\.com/);
    expect(app.kit.requests).toHaveLength(0);
  });

  it('keeps 50 resolved attempts: 100 deferred stay pending, then the oldest 50 are dropped', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/history', events: 'note.create' });
    app.kit.deferDeliveries();
    const ids = await deliverSome('note.create', 100);
    const pending = await history(sub.id);
    expect(pending).toHaveLength(100);
    expect(new Set(pending.map((a) => a.status))).toEqual(new Set(['pending']));
    // Newest first: creation order reversed, oldest created first.
    expect(pending.map((a) => a.id)).toEqual([...ids].reverse());
    expect(pending[99].createdAt.getTime()).toBeLessThanOrEqual(pending[49].createdAt.getTime());
    expect(await app.kit.pendingDeliveries()).toMatchObject({ total: 100, stored: 100, inMemory: 0 });
    expect(app.kit.requests).toHaveLength(0);
    await expect(app.kit.waitForDeliveries()).rejects.toBeInstanceOf(WebhookDeliveriesDeferredError);

    app.kit.releaseDeliveries();
    await app.kit.waitForDeliveries();
    expect(app.kit.requests).toHaveLength(100);
    const kept = await history(sub.id);
    expect(kept).toHaveLength(50);
    expect(new Set(kept.map((a) => a.status))).toEqual(new Set(['successful']));
    expect(kept.map((a) => a.id)).not.toContain(ids[0]);
    expect(kept.map((a) => a.id)).toContain(ids[50]);
    expect(await app.kit.pendingDeliveries()).toMatchObject({ total: 0, inEngine: 0 });
  });

  for (const failure of ['http', 'processing', 'validation'] as const) {
    it(`deactivates a subscription whose history fills with ${failure} failures; activation brings it back`, async () => {
      const url = `https://example.com/deactivate-${failure}`;
      const event = `alarm.${failure}`;
      const sub = await app.subscriptions.create({ to: url, events: event });
      if (failure === 'http') app.kit.failRequests(url);
      if (failure === 'processing') app.kit.failProcessing(url);
      if (failure === 'validation') app.kit.failDestinationChecks('example.com');
      expect(await app.subscriptions.get(sub.id)).toMatchObject({ active: true, statusMessage: 'Active' });

      await deliverSome(event, 60, `this should fail (${failure})`);
      await app.kit.waitForDeliveries();
      const kept = await history(sub.id);
      expect(kept).toHaveLength(50);
      expect(new Set(kept.map((a) => a.status))).toEqual(new Set(['failed']));
      expect(await app.subscriptions.get(sub.id)).toMatchObject({
        active: false,
        statusMessage: DELIVERY_FAILURES_MESSAGE,
      });

      // More events do not reach the deactivated subscription.
      expect((await app.dispatcher.dispatch(event, {})).attempts).toEqual([]);
      await app.kit.waitForDeliveries();
      expect((await history(sub.id)).map((a) => a.id)).toEqual(kept.map((a) => a.id));

      app.kit.reset();
      expect(await app.subscriptions.activate(sub.id)).toBe(true);
      expect(await app.subscriptions.get(sub.id)).toMatchObject({ active: true, statusMessage: 'Active' });
      await app.dispatcher.dispatch(event, {});
      await app.kit.waitForDeliveries();
      expect((await history(sub.id))[0]).toMatchObject({ status: 'successful', message: '200 OK' });
    });
  }

  it('rejects after the deadline saying what is still pending', async () => {
    await app.subscriptions.create({ to: 'https://example.com/slow', events: 'slow.call' });
    app.kit.respondWith('https://example.com/slow', { status: 200, delayMs: 1_500 });
    await app.dispatcher.dispatch('slow.call', {});
    const error = await app.kit.waitForDeliveries({ timeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookDeliveriesTimeoutError);
    expect((error as WebhookDeliveriesTimeoutError).pending).toMatchObject({ total: 1, stored: 1, inEngine: 1 });
    expect((error as Error).message).toMatch(
      /still pending after 100 ms: 1 attempt pending .*1 queued or in flight here/,
    );
    await app.kit.waitForDeliveries();
    expect(await app.kit.pendingDeliveries()).toMatchObject({ total: 0 });
  });
});

describeEachDatabase('testing kit: attempts nobody holds', (db) => {
  it('claims due attempts written by an instance that does not send, without waiting for the poll', async () => {
    // The sender polls once an hour: only waitForDeliveries() can make it pick the rows up in time.
    const sender = await bootKit(db.options, { delivery: { pollInterval: 3_600_000 } });
    const writer = await bootKit(db.options, { delivery: { enabled: false } });
    try {
      const sub = await writer.subscriptions.create({ to: 'https://example.com/outbox', events: 'order.ship' });
      await writer.dispatcher.dispatch('order.ship', { n: 1 });
      await writer.dispatcher.dispatch('order.ship', { n: 2 });
      expect(await sender.kit.pendingDeliveries()).toMatchObject({ total: 2, stored: 2, due: 2, inEngine: 0 });
      await sender.kit.waitForDeliveries({ timeout: 5_000 });
      expect(sender.kit.requests.map((r) => r.json().n).sort()).toEqual([1, 2]);
      expect(writer.kit.requests).toHaveLength(0);
      expect((await sender.attempts.list(sub.id)).items.map((a) => a.status)).toEqual(['successful', 'successful']);
    } finally {
      await writer.close();
      await sender.close();
    }
  }, 60_000);
});

describe('testing kit: scripted receivers', () => {
  let app: KitApp;
  beforeAll(async () => {
    app = await bootKit(
      { type: 'better-sqlite3', database: ':memory:' },
      { delivery: { maxResponseBodyBytes: 16, timeout: 200 }, targets: { allowHttp: true } },
    );
  });
  afterAll(() => app?.close());
  afterEach(() => app.kit.reset());

  async function deliver(to: string, event: string, payload: unknown = {}): Promise<WebhookDeliveryAttempt> {
    const sub = await app.subscriptions.create({ to, events: event });
    await app.dispatcher.dispatch(event, payload);
    await app.kit.waitForDeliveries();
    const { items } = await app.attempts.list(sub.id);
    expect(items).toHaveLength(1);
    return items[0];
  }

  it('answers by rule: exact URL, prefix, RegExp and predicate, the last rule added winning', async () => {
    app.kit
      .respondWith(503)
      .respondWith('https://a.example/*', 201)
      .respondWith(/\/teapot$/, 418)
      .respondWith((url) => url.includes('accepted'), 202)
      .respondWith('https://a.example/exact', 204);
    expect((await deliver('https://a.example/exact', 'rule.exact')).message).toBe('204 No Content');
    expect((await deliver('https://a.example/other', 'rule.prefix')).message).toBe('201 Created');
    expect((await deliver('https://b.example/teapot', 'rule.regexp')).message).toBe("418 I'm a Teapot");
    expect((await deliver('https://b.example/accepted', 'rule.predicate')).message).toBe('202 Accepted');
    expect((await deliver('https://b.example/elsewhere', 'rule.default')).message).toBe('503 Service Unavailable');
  });

  it('answers with a function of the request, JSON bodies cut like a real response', async () => {
    app.kit.respondWith('https://fn.example/echo', (request) => ({
      status: 200,
      reason: 'Fine',
      body: { echoed: request.json().word },
    }));
    const attempt = await deliver('https://fn.example/echo', 'fn.echo', { word: 'héllo-wörld' });
    expect(attempt.message).toBe('200 Fine');
    // {"echoed":"héllo-wörld"} cut at 16 bytes, never inside a UTF-8 character.
    expect(attempt.response).toMatchObject({
      headers: { 'content-type': 'application/json' },
      body: '{"echoed":"héll',
      truncated: true,
    });
  });

  it('fails the try when the responder throws or the scripted delay outlasts delivery.timeout', async () => {
    app.kit.respondWith('https://fn.example/throws', () => {
      throw new Error('receiver exploded');
    });
    const thrown = await deliver('https://fn.example/throws', 'fn.throws');
    expect(thrown).toMatchObject({ status: 'failed', message: REMOTE_ERROR });
    expect(thrown.internalInfo.exceptionHistory[0]).toMatch(/receiver exploded/);

    app.kit.respondWith('https://fn.example/slow', { delayMs: 5_000 });
    const started = Date.now();
    const slow = await deliver('https://fn.example/slow', 'fn.slow');
    expect(slow).toMatchObject({ status: 'failed', message: REMOTE_ERROR });
    expect(slow.internalInfo.exceptionHistory[0]).toMatch(/TimeoutError.*delivery\.timeout \(200 ms\)/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('fails only the URLs and hosts it is told to', async () => {
    app.kit
      .failRequests('https://down.example/*')
      .failProcessing(/broken/)
      .failDestinationChecks('nowhere.example');
    expect((await deliver('https://down.example/x', 'only.down')).message).toBe(REMOTE_ERROR);
    expect((await deliver('https://up.example/broken', 'only.broken')).message).toBe(RESPONSE_HANDLING_ERROR);
    expect((await deliver('https://nowhere.example/x', 'only.nowhere')).message).toBe(DESTINATION_VERIFICATION_FAILED);
    expect((await deliver('https://up.example/fine', 'only.fine')).message).toBe('200 OK');
    app.kit.failRequests(false).failProcessing(false).failDestinationChecks(false);
    expect((await deliver('https://down.example/y', 'only.restored')).message).toBe('200 OK');
  });

  it('keeps the form checks and the address policy of the destination guard', async () => {
    await expect(app.subscriptions.create({ to: 'ftp://example.com/x', events: 'a.b' })).rejects.toMatchObject({
      field: 'to',
    });
    await expect(
      app.subscriptions.create({ to: 'https://user:pw@example.com/x', events: 'a.b' }),
    ).rejects.toBeInstanceOf(WebhookValidationError);
    await expect(app.subscriptions.create({ to: 'https://10.1.2.3/x', events: 'a.b' })).rejects.toMatchObject({
      field: 'to',
    });
    await expect(app.subscriptions.create({ to: 'http://localhost:3000/x', events: 'a.b' })).rejects.toMatchObject({
      field: 'to',
    });
    // Any host name is fine offline.
    expect((await deliver('http://anything.invalid/hook', 'any.host')).message).toBe('200 OK');
  });

  it('waits for requests with a deadline', async () => {
    await app.subscriptions.create({ to: 'https://wait.example/hook', events: 'wait.requests' });
    await app.dispatcher.dispatch('wait.requests', { n: 1 });
    const [request] = await app.kit.waitForRequests(1, { to: 'https://wait.example/hook' });
    expect(request.json()).toEqual({ n: 1 });
    await expect(app.kit.waitForRequests(2, { to: 'https://wait.example/hook', timeout: 50 })).rejects.toThrow(
      /Expected 2 webhook requests to https:\/\/wait\.example\/hook, got 1 after 50 ms/,
    );
  });

  it('rejects malformed scripts with the field at fault', () => {
    expect(() => app.kit.respondWith(42)).toThrow(WebhookValidationError);
    expect(() => app.kit.respondWith('https://x.example', { status: 700 })).toThrow(/response|status/);
    expect(() => app.kit.respondWith('https://x.example', { delayMs: -1 })).toThrow(/delayMs/);
    expect(() => app.kit.respondWith('https://x.example', { headers: { a: 1 as unknown as string } })).toThrow(
      /headers/,
    );
    expect(() => app.kit.respondWith('', 200)).toThrow(/url/);
    expect(() => app.kit.failRequests(42 as unknown as string)).toThrow(WebhookValidationError);
    return expect(app.kit.waitForDeliveries({ timeout: -5 })).rejects.toMatchObject({ field: 'timeout' });
  });
});

describe('testing kit: signatures', () => {
  const secret = generateWebhookSecret();
  const body = '{"type":"contact.create","data":{"id":1}}';
  const nowSeconds = Math.floor(Date.now() / 1000);

  it('verifies a v1 signature made with the secret, over the exact body, at the time it was sent', async () => {
    const transport = createMemoryTransport();
    const headers = {
      'content-type': 'application/json',
      ...webhookHeaders('msg_1', nowSeconds, body, { secrets: [decodeWebhookSecret(secret)] }),
    };
    await transport.send({ url: 'https://example.com/hook', method: 'POST', headers, body }, transportOptions());
    // The same signature on another body, and a stale one.
    await transport.send(
      { url: 'https://example.com/hook', method: 'POST', headers, body: body.replace('1', '2') },
      transportOptions(),
    );
    const stale = webhookHeaders('msg_2', nowSeconds - 3_600, body, { secrets: [decodeWebhookSecret(secret)] });
    await transport.send({ url: 'https://example.com/hook', method: 'POST', headers: stale, body }, transportOptions());

    const [signed, tampered, old] = transport.requests;
    expect(signed.isSignedWith(secret)).toBe(true);
    expect(signed.isSignedWith(decodeWebhookSecret(secret))).toBe(true);
    expect(signed.isSignedWith(generateWebhookSecret())).toBe(false);
    expect(signed.isSignedWith([generateWebhookSecret(), secret])).toBe(true);
    expect(tampered.isSignedWith(secret)).toBe(false);
    expect(old.isSignedWith(secret)).toBe(false);
    expect(old.isSignedWith(secret, { nowSeconds: nowSeconds - 3_600 })).toBe(true);
    expect(signed.response).toMatchObject({ statusCode: 200 });
  });

  it('verifies a v1a signature with the public key, and refuses malformed secrets', async () => {
    const pair = generateSigningKeyPair();
    const transport = createMemoryTransport();
    const headers = webhookHeaders('msg_3', nowSeconds, body, {
      secrets: [],
      signingKeys: [decodeSigningKey(pair.signingKey)],
    });
    await transport.send({ url: 'https://example.com/hook', method: 'POST', headers, body }, transportOptions());
    const [request] = transport.requests;
    expect(request.isSignedWith(pair.publicKey)).toBe(true);
    expect(request.isSignedWith(decodeSigningKey(pair.signingKey))).toBe(true);
    expect(request.isSignedWith(generateSigningKeyPair().publicKey)).toBe(false);
    expect(request.isSignedWith(secret)).toBe(false);
    expect(() => request.isSignedWith('not-a-secret')).toThrow(WebhookValidationError);
    expect(() => request.isSignedWith('whsec_short')).toThrow(/secret/);
    expect(() => request.json()).not.toThrow();
  });
});

describe('testing kit: wiring', () => {
  const sqlite: DataSourceOptions = { type: 'better-sqlite3', database: ':memory:' };

  it('starts deferred when asked, and reset() defers again', async () => {
    const app = await bootKit(sqlite, {
      storage: 'memory',
      testing: { deferred: true },
      subscriptions: [{ to: 'https://static.example/hook', events: 'static.*' }],
    });
    try {
      expect(app.kit.deferred).toBe(true);
      await app.dispatcher.dispatch('static.ping', {});
      expect(await app.kit.pendingDeliveries()).toMatchObject({ total: 1, stored: 0, inMemory: 1, inEngine: 1 });
      await expect(app.kit.waitForDeliveries()).rejects.toThrow(/deferred.*1 attempt pending.*releaseDeliveries\(\)/);
      app.kit.releaseDeliveries();
      await app.kit.waitForDeliveries();
      expect(app.kit.requests).toHaveLength(1);
      expect(await app.kit.pendingDeliveries()).toMatchObject({ total: 0, inMemory: 0 });
      app.kit.reset();
      expect(app.kit.deferred).toBe(true);
      expect(app.kit.requests).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it('validates its options and refuses a transport instance of another kind', () => {
    expect(() => WebhooksTestingModule.forRoot({ testing: { waitTimeout: -1 } })).toThrow(
      expect.objectContaining({ option: 'testing.waitTimeout' }),
    );
    expect(() => WebhooksTestingModule.forRoot({ testing: { deferd: true } as never })).toThrow(/testing\.deferd/);
    class OtherTransport extends MemoryWebhookTransport {}
    expect(() =>
      WebhooksTestingModule.forRoot({ delivery: { transport: { send: async () => ({}) } as never } }),
    ).toThrow(expect.objectContaining({ option: 'delivery.transport' }));
    // A transport name (the production setting) is replaced, not refused.
    expect(() => WebhooksTestingModule.forRoot({ delivery: { transport: 'undici' } })).not.toThrow();
    expect(() => WebhooksModule.forRoot({ delivery: { transport: new OtherTransport() } })).not.toThrow();
    expect(() => WebhooksModule.forRoot({ delivery: { transport: 'fetch' as never } })).toThrow(
      /"undici", "axios" or a WebhookTransport instance/,
    );
    // Something with send() but no close() would fail at shutdown: refused up front.
    expect(() => WebhooksModule.forRoot({ delivery: { transport: { send: async () => ({}) } as never } })).toThrow(
      expect.objectContaining({ option: 'delivery.transport' }),
    );
    expect(() =>
      WebhooksModule.forRoot({ delivery: { transport: { send: async () => ({}), close: async () => {} } as never } }),
    ).not.toThrow();
  });

  it('works with forRootAsync (useClass), the options built by the class', async () => {
    @Injectable()
    class WebhooksConfig {
      createWebhooksOptions(): WebhooksModuleOptions {
        return {
          delivery: { transport: 'undici' },
          subscriptions: [{ to: 'https://async.example/hook', events: 'async.*' }],
        };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        typeOrm(sqlite),
        WebhooksTestingModule.forRootAsync({ useClass: WebhooksConfig, testing: { waitTimeout: 2_000 } }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      const kit = moduleRef.get(WebhooksTestKit);
      kit.respondWith('https://async.example/hook', 202);
      await moduleRef.get(WebhookDispatcher).dispatch('async.ping', { ok: true });
      await kit.waitForDeliveries();
      expect(kit.requests.map((r) => [r.url, r.json(), r.response?.statusCode])).toEqual([
        ['https://async.example/hook', { ok: true }, 202],
      ]);
      expect(moduleRef.get(MemoryWebhookTransport)).toBe(kit.transport);
    } finally {
      await moduleRef.close();
    }
  });

  it('works with forRootAsync (useFactory with inject), not global', async () => {
    const HOOK_URL = 'HOOK_URL';
    @Module({ providers: [{ provide: HOOK_URL, useValue: 'https://factory.example/hook' }], exports: [HOOK_URL] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        typeOrm(sqlite),
        WebhooksTestingModule.forRootAsync({
          isGlobal: false,
          imports: [ConfigModule],
          useFactory: (to: string) => ({ subscriptions: [{ to, events: 'factory.*' }] }),
          inject: [HOOK_URL],
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      const kit = moduleRef.get(WebhooksTestKit);
      await moduleRef.get(WebhookDispatcher).dispatch('factory.ping', { n: 1 });
      await kit.waitForDeliveries();
      expect(kit.requests.map((r) => r.url)).toEqual(['https://factory.example/hook']);
    } finally {
      await moduleRef.close();
    }
  });

  it('overrides the transport of an application module that imports WebhooksModule.forRootAsync', async () => {
    @Module({
      imports: [
        typeOrm(sqlite),
        WebhooksModule.forRootAsync({
          useFactory: () => ({ subscriptions: [{ to: 'https://prod.example/hook', events: 'order.*' }] }),
        }),
      ],
    })
    class AppModule {}
    const moduleRef = await overrideWebhooksForTesting(Test.createTestingModule({ imports: [AppModule] })).compile();
    moduleRef.useLogger(false);
    const kit = WebhooksTestKit.from(moduleRef, { deferred: true });
    await moduleRef.init();
    try {
      await moduleRef.get(WebhookDispatcher).dispatch('order.paid', { total: 3 });
      expect(await kit.pendingDeliveries()).toMatchObject({ total: 1 });
      kit.releaseDeliveries();
      await kit.waitForDeliveries();
      expect(kit.requests.map((r) => [r.url, r.json(), r.destination.address])).toEqual([
        ['https://prod.example/hook', { total: 3 }, OFFLINE_DESTINATION_ADDRESS],
      ]);
    } finally {
      await moduleRef.close();
    }
  });

  it('drives a module on a real transport too, but its network helpers say how to get the memory one', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [typeOrm(sqlite), WebhooksModule.forRoot()],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      const kit = WebhooksTestKit.from(moduleRef);
      expect(() => kit.requests).toThrow(WebhooksConfigurationError);
      expect(() => kit.respondWith(200)).toThrow(
        /respondWith\(\) needs the in-memory transport, but the module sends through UndiciTransport/,
      );
      kit.failProcessing().deferDeliveries();
      expect(kit.deferred).toBe(true);
      await kit.waitForDeliveries();
      kit.reset();
      expect(kit.deferred).toBe(false);
    } finally {
      await moduleRef.close();
    }
  });
});
