import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  WebhookPayloadError,
  WebhookPayloadTooLargeError,
  WebhooksConfigurationError,
  WebhooksModule,
  type WebhookDeliveryAttempt,
} from '../lib';
import { REDACTED, redactHeaders, redactResponseHeaders } from '../lib/core/security/header-redaction.util';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

const MAX_BODY = 64;
const MAX_PAYLOAD = 2048;

describeEachDatabase('secrets and sizes of recorded data', (db) => {
  let app: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(db.options, {
      targets: { allowHttp: true, allowPrivateNetworks: true },
      delivery: { maxResponseBodyBytes: MAX_BODY },
      maxPayloadBytes: MAX_PAYLOAD,
      dialects: [
        {
          name: 'with-credentials',
          headers: {
            Authorization: 'Bearer s3cret-token',
            'X-Api-Key': 'k-123',
            Cookie: 'session=abc',
            'X-Trace': 'visible',
          },
          sensitiveHeaders: ['X-Api-Key'],
        },
      ],
    });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  async function deliveredOnce(
    path: string,
    event: string,
    payload: unknown = { n: 1 },
  ): Promise<WebhookDeliveryAttempt> {
    const sub = await app.subscriptions.create({ to: receiver.url(path), events: event, dialect: 'with-credentials' });
    const { attempts } = await app.dispatcher.dispatch(event, payload);
    await receiver.waitFor(1, path);
    await app.engine.whenIdle();
    expect(attempts).toHaveLength(1);
    // Read back from the database, as the admin API shows it.
    const stored = await app.attempts.get(attempts[0].id);
    expect(stored.subscriptionId).toBe(sub.id);
    return stored;
  }

  it('sends credentials but stores their values redacted, request and response alike', async () => {
    receiver.respond('/secret', {
      status: 200,
      body: 'ok',
      headers: { 'Set-Cookie': 'receiver-session=xyz; HttpOnly', 'X-Api-Key': 'echoed-k-123', 'X-Receiver': 'kept' },
    });
    const attempt = await deliveredOnce('/secret', 'vault.open');

    const [seen] = receiver.received('/secret');
    expect(seen.headers).toMatchObject({
      authorization: 'Bearer s3cret-token',
      'x-api-key': 'k-123',
      cookie: 'session=abc',
    });

    expect(attempt.request.headers).toMatchObject({
      authorization: REDACTED,
      'x-api-key': REDACTED,
      cookie: REDACTED,
      'x-trace': 'visible',
      'content-type': 'application/json',
      'webhook-id': attempt.messageId,
    });
    expect(attempt.response!.headers).toMatchObject({
      'set-cookie': REDACTED,
      'x-api-key': REDACTED,
      'x-receiver': 'kept',
    });
    const everything = JSON.stringify(attempt);
    for (const secret of ['s3cret-token', 'k-123', 'session=abc', 'receiver-session=xyz'])
      expect(everything).not.toContain(secret);
  });

  it('caps the stored response body at delivery.maxResponseBodyBytes without splitting a character', async () => {
    receiver.respond('/large', { status: 500, body: '€'.repeat(5_000) });
    const attempt = await deliveredOnce('/large', 'vault.dump');
    expect(attempt.response).toMatchObject({ statusCode: 500, truncated: true });
    const body = attempt.response!.body;
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(MAX_BODY);
    // 64 bytes hold 21 whole three-byte characters; the cut one is dropped, not mangled.
    expect(body).toBe('€'.repeat(Math.floor(MAX_BODY / 3)));
  });

  it('refuses a payload larger than maxPayloadBytes where it is raised, storing and sending nothing', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/big'), events: 'vault.fill' });
    // 1,000 characters but 3,000 bytes: the limit is in bytes.
    const error = await app.dispatcher.dispatch('vault.fill', { text: '€'.repeat(1_000) }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WebhookPayloadTooLargeError);
    expect(error).toBeInstanceOf(WebhookPayloadError);
    expect(error).toMatchObject({ event: 'vault.fill', dialect: 'default', size: 3_011, limit: MAX_PAYLOAD });
    expect((error as Error).message).toBe(
      'The payload of event "vault.fill" renders to 3011 bytes for dialect "default", more than maxPayloadBytes (2048). ' +
        'Send less (ids and a link to fetch the rest, or a payload shaper that leaves out large fields), or raise ' +
        'forRoot({ maxPayloadBytes }).',
    );
    await app.engine.whenIdle();
    expect((await app.attempts.list(sub.id)).items).toEqual([]);
    expect(receiver.received('/big')).toHaveLength(0);

    // Just within the limit: sent.
    const fits = { text: 'x'.repeat(MAX_PAYLOAD - '{"text":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(fits))).toBe(MAX_PAYLOAD);
    await app.dispatcher.dispatch('vault.fill', fits);
    await receiver.waitFor(1, '/big');
    await app.engine.whenIdle();
    expect((await app.attempts.list(sub.id)).items).toEqual([expect.objectContaining({ status: 'successful' })]);
  });
});

describe('header redaction', () => {
  it('always hides credentials and signatures in requests, whatever their case, and the declared sensitive ones', () => {
    expect(
      redactHeaders(
        {
          Authorization: 'Basic x',
          'proxy-authorization': 'y',
          COOKIE: 'z',
          'webhook-signature': 'v1,abc',
          'X-Token': 't',
          'webhook-id': 'msg_1',
        },
        ['x-TOKEN'],
      ),
    ).toEqual({
      Authorization: REDACTED,
      'proxy-authorization': REDACTED,
      COOKIE: REDACTED,
      'webhook-signature': REDACTED,
      'X-Token': REDACTED,
      'webhook-id': 'msg_1',
    });
  });

  it('hides cookies and credentials a receiver sends back', () => {
    expect(
      redactResponseHeaders(
        { 'set-cookie': 'a=b', 'Set-Cookie2': 'c=d', authorization: 'x', 'content-type': 'text/plain', 'x-key': 'k' },
        ['X-Key'],
      ),
    ).toEqual({
      'set-cookie': REDACTED,
      'Set-Cookie2': REDACTED,
      authorization: REDACTED,
      'content-type': 'text/plain',
      'x-key': REDACTED,
    });
  });

  it('validates maxPayloadBytes naming the option', () => {
    for (const value of [0, 1.5, '1mb', 100 * 1024 * 1024]) {
      let error: unknown;
      try {
        WebhooksModule.forRoot({ maxPayloadBytes: value as number });
      } catch (caught) {
        error = caught;
      }
      expect(error, String(value)).toBeInstanceOf(WebhooksConfigurationError);
      expect((error as WebhooksConfigurationError).option).toBe('maxPayloadBytes');
    }
  });
});
