import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookValidationError, type WebhookDeliveryAttempt } from '../lib';
import { DESTINATION_VERIFICATION_FAILED } from '../lib/core/messages/status.messages';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';
import { StubResolver } from './support/stub-resolver';

const PUBLIC = '93.184.215.14';

/**
 * The destination guard inside the delivery engine, end to end: a real receiver on 127.0.0.1 counts TCP
 * connections, and a scripted resolver makes a host public when the subscription is created and private
 * when the webhook is sent (DNS rebinding).
 */
describeEachDatabase('SSRF protection in delivery', (db) => {
  let receiver: TestReceiver;
  let dns: StubResolver;
  let strict: TestApp;
  let open: TestApp;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    dns = new StubResolver();
    // The default address policy (only http: is allowed, to reach the local receiver without TLS)...
    strict = await createTestApp(db.options, {
      targets: { allowHttp: true, resolver: dns.resolve },
      delivery: { pollInterval: 50 },
    });
    // ...and one that allows private networks, on a database of its own.
    open = await createTestApp(await db.another(), {
      targets: { allowHttp: true, allowPrivateNetworks: true, resolver: dns.resolve },
      delivery: { pollInterval: 50 },
    });
  });
  afterAll(async () => {
    await strict?.close();
    await open?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  const port = () => new URL(receiver.url()).port;
  async function only(app: TestApp, subscriptionId: string): Promise<WebhookDeliveryAttempt> {
    const { items } = await app.attempts.list(subscriptionId);
    expect(items).toHaveLength(1);
    return items[0];
  }

  it('DNS rebinding: public at create time, 127.0.0.1 at send time → failed, not retried, no connection', async () => {
    dns.on('rebind.example', [PUBLIC], ['127.0.0.1']);
    const sub = await strict.subscriptions.create({
      to: `http://rebind.example:${port()}/rebind`,
      events: 'order.create',
    });
    await strict.dispatcher.dispatch('order.create', { id: 1 });
    await strict.engine.whenIdle();
    // Polling again finds nothing to retry.
    await strict.engine.pollNow();
    await strict.engine.whenIdle();

    const attempt = await only(strict, sub.id);
    expect(attempt).toMatchObject({ status: 'failed', attemptCount: 1, nextAttemptAt: null, response: null });
    expect(attempt.message).toBe(
      'Delivery blocked: rebind.example resolves to 127.0.0.1, a loopback address. Webhooks are sent to public addresses ' +
        'only; to deliver to private networks (development, internal services), set targets.allowPrivateNetworks: true ' +
        'in WebhooksModule.forRoot(), or list the range in targets.allowedCidrs.',
    );
    expect(attempt.tries).toEqual([expect.objectContaining({ number: 1, statusCode: 0, message: attempt.message })]);
    expect(receiver.connections).toBe(0);
    expect(receiver.received()).toHaveLength(0);
    expect(dns.calls.filter((host) => host === 'rebind.example')).toHaveLength(2);
  });

  it('blocks a send-time answer in which any one address is private', async () => {
    dns.on('mixed.example', [PUBLIC], [PUBLIC, '127.0.0.1']);
    const sub = await strict.subscriptions.create({
      to: `http://mixed.example:${port()}/mixed`,
      events: 'order.update',
    });
    await strict.dispatcher.dispatch('order.update', {});
    await strict.engine.whenIdle();
    expect((await only(strict, sub.id)).message).toMatch(
      /^Delivery blocked: mixed\.example resolves to 127\.0\.0\.1, a loopback address\./,
    );
    expect(receiver.connections).toBe(0);
  });

  it('the same rebinding with allowPrivateNetworks is delivered, to the checked address, with the host name kept', async () => {
    dns.on('rebind-open.example', [PUBLIC], ['127.0.0.1']);
    const sub = await open.subscriptions.create({
      to: `http://rebind-open.example:${port()}/open`,
      events: 'order.create',
    });
    await open.dispatcher.dispatch('order.create', { id: 2 });
    await receiver.waitFor(1, '/open');
    await open.engine.whenIdle();
    expect(await only(open, sub.id)).toMatchObject({ status: 'successful', message: '200 OK' });
    expect(receiver.received('/open')[0].headers.host).toBe(`rebind-open.example:${port()}`);
    expect(receiver.connections).toBe(1);
  });

  it('cloud metadata stays blocked even with allowPrivateNetworks', async () => {
    dns.on('metadata.example', [PUBLIC], ['169.254.169.254']);
    const sub = await open.subscriptions.create({
      to: `http://metadata.example:${port()}/meta`,
      events: 'order.delete',
    });
    await open.dispatcher.dispatch('order.delete', {});
    await open.engine.whenIdle();
    expect((await only(open, sub.id)).message).toMatch(/169\.254\.169\.254, a cloud metadata service address/);
    expect(receiver.connections).toBe(0);
  });

  it('refuses literal private targets when the subscription is created, naming the field', async () => {
    for (const to of [
      `http://127.0.0.1:${port()}/literal`,
      `http://[::ffff:127.0.0.1]:${port()}/literal`,
      `http://localhost:${port()}/literal`,
    ]) {
      const error = await strict.subscriptions.create({ to, events: 'order.create' }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, to).toBeInstanceOf(WebhookValidationError);
      expect((error as WebhookValidationError).field).toBe('to');
      expect((error as Error).message).toMatch(/(127\.0\.0\.1|::ffff:7f00:1), a loopback address/);
    }
    dns.on('private-now.example', ['10.1.2.3']);
    await expect(
      strict.subscriptions.create({ to: 'https://private-now.example/hook', events: 'order.create' }),
    ).rejects.toMatchObject({
      field: 'to',
      message: expect.stringMatching(/resolves to 10\.1\.2\.3, a private address/),
    });
    expect((await strict.subscriptions.list({ event: 'order.create' })).items.map((s) => s.to)).not.toContain(
      `http://127.0.0.1:${port()}/literal`,
    );
    expect(receiver.connections).toBe(0);
  });

  it('a host that stops resolving fails with the seed message, without a connection', async () => {
    dns.on('vanishing.example', [PUBLIC], []);
    const sub = await strict.subscriptions.create({
      to: `http://vanishing.example:${port()}/gone`,
      events: 'order.archive',
    });
    await strict.dispatcher.dispatch('order.archive', {});
    await strict.engine.whenIdle();
    expect(await only(strict, sub.id)).toMatchObject({ status: 'failed', message: DESTINATION_VERIFICATION_FAILED });
    expect(receiver.connections).toBe(0);
  });
});

describe('SSRF protection for static subscriptions (never checked at creation)', () => {
  it('blocks a literal loopback target at send time, without a connection', async () => {
    const receiver = await TestReceiver.start();
    const app = await createTestApp(
      { type: 'better-sqlite3', database: ':memory:' },
      { targets: { allowHttp: true }, subscriptions: [{ to: receiver.url('/static'), events: 'user.*' }] },
    );
    try {
      const [stat] = (await app.subscriptions.list({ static: true })).items;
      await app.dispatcher.dispatch('user.create', {});
      await app.engine.whenIdle();
      const { items } = await app.attempts.list(stat.id);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ status: 'failed' });
      expect(items[0].message).toMatch(/^Delivery blocked: the target address 127\.0\.0\.1 is a loopback address\./);
      expect(receiver.connections).toBe(0);
    } finally {
      await app.close();
      await receiver.close();
    }
  });
});
