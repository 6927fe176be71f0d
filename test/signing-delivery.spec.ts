import { randomBytes, verify as cryptoVerify } from 'node:crypto';
import { inspect } from 'node:util';
import { instanceToPlain } from 'class-transformer';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  generateWebhookSecret,
  verifyWebhook,
  WebhookEvents,
  WebhookOperationNotAllowedError,
  WebhookSubscription,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
  type WebhooksModuleOptions,
} from '../lib';
import { decodePublicKey } from '../lib/core/signing/webhook-secret.util';
import { createTestApp, type TestApp } from './support/app';
import { TestClock } from './support/clock';
import { describeEachDatabase } from './support/databases';
import { type ReceivedRequest, TestReceiver } from './support/receiver';

const S = 1_000;

const options = (clock: TestClock, extra: WebhooksModuleOptions = {}): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true },
  delivery: { pollInterval: 3_600_000 },
  retry: { attempts: 3, firstDelay: 10 * S, jitter: 0, throttlePause: 0 },
  clock,
  ...extra,
});

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value),
    ]),
  );
}

/** The oracle: what a receiver using the `standardwebhooks` npm package accepts. */
function receiverAccepts(secret: string, request: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, headersOf(request));
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return false;
  }
}

/** The secret list as the database column holds it. */
async function storedSecrets(
  dataSource: DataSource,
  id: string,
): Promise<Array<{ value: string; kind: string; expiresAt: number | null }>> {
  const row = await dataSource
    .createQueryBuilder()
    .select('s.secrets', 'secrets')
    .from(WebhookSubscription, 's')
    .where('s.id = :id', { id })
    .getRawOne();
  return typeof row.secrets === 'string' ? JSON.parse(row.secrets) : row.secrets;
}

describeEachDatabase('signed deliveries (Standard Webhooks)', (db) => {
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

  async function deliver(event: string, payload: unknown = {}): Promise<void> {
    await app.dispatcher.dispatch(event, payload);
    await app.engine.whenIdle();
  }

  it('signs every request with the generated secret, which create() shows once and nothing else shows', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/signed'), events: 'signed.happen' });
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(sub.publicKey).toBeUndefined();
    await deliver('signed.happen', { hello: 'wörld' });
    const [request] = receiver.received('/signed');
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(sub.secret).verify(request.body, headersOf(request))).toEqual({ hello: 'wörld' });
    expect(receiverAccepts(generateWebhookSecret(), request)).toBe(false);

    const [attempt] = (await app.attempts.list(sub.id)).items;
    expect(attempt.request.headers!['webhook-signature']).toBe('[redacted]');

    // Reads, events and logs never carry the secret.
    const bare = sub.secret.slice('whsec_'.length);
    const read = await app.subscriptions.get(sub.id);
    expect(read).not.toHaveProperty('secret');
    expect(read.secrets).toBeUndefined();
    const listed = (await app.subscriptions.list({ limit: 500 })).items.find((s) => s.id === sub.id)!;
    expect(listed.secrets).toBeUndefined();
    const created = app.events.find(
      (e) => e.name === WebhookEvents.subscriptionCreated && e.payload.subscription.id === sub.id,
    )!;
    const indexed = app.registry.getActive(sub.id)!;
    for (const shown of [
      read,
      listed,
      created.payload,
      indexed,
      await app.subscriptions.update(sub.id, { description: 'x' }),
    ]) {
      expect(JSON.stringify(shown)).not.toContain(bare);
      expect(inspect(shown, { depth: 10 })).not.toContain(bare);
      expect(JSON.stringify(instanceToPlain(shown))).not.toContain(bare);
    }
    expect(JSON.parse(JSON.stringify(indexed))).not.toHaveProperty('secrets');
    // Without encryption keys the column holds the secret as is (see the encrypted suite below).
    expect((await storedSecrets(app.dataSource, sub.id)).map((s) => s.value)).toEqual([sub.secret]);
    // And it still signs after the update (the list travels with the subscription).
    await deliver('signed.happen', {});
    expect(receiverAccepts(sub.secret, receiver.received('/signed')[1])).toBe(true);
  });

  it('signs with an imported secret, and refuses malformed ones naming the field', async () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const sub = await app.subscriptions.create({ to: receiver.url('/imported'), events: 'imported.happen', secret });
    expect(sub.secret).toBe(secret);
    await deliver('imported.happen');
    expect(receiverAccepts(secret, receiver.received('/imported')[0])).toBe(true);

    const before = (await app.subscriptions.list({ limit: 500 })).items.length;
    const refused: Array<[object, string]> = [
      [{ secret: 'whsec_c2hvcnQ=' }, 'secret'],
      [{ secret: 'not-a-secret' }, 'secret'],
      [{ secret: 42 }, 'secret'],
      [{ signing: 'rsa' }, 'signing'],
      [{ signing: 'ed25519', secret }, 'secret'],
    ];
    for (const [input, field] of refused) {
      const error = await app.subscriptions
        .create({ to: receiver.url('/x'), events: 'x.y', ...input } as never)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookValidationError);
      expect(error).toMatchObject({ field });
      expect((error as Error).message).not.toContain(secret);
    }
    expect((await app.subscriptions.list({ limit: 500 })).items).toHaveLength(before);
    await expect(app.dispatcher.dispatch('imported.happen', {}, { id: 'order.1' })).rejects.toMatchObject({
      field: 'id',
    });
  });

  it('signs with every live secret during a rotation, and with the new one only after the overlap', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/rotating'), events: 'rotating.happen' });
    const rotated = await app.subscriptions.rotateSecret(sub.id, { overlapMs: 60 * S });
    expect(rotated).toEqual({ secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.secret).not.toBe(sub.secret);
    expect(
      app.events.some((e) => e.name === WebhookEvents.subscriptionUpdated && e.payload.subscription.id === sub.id),
    ).toBe(true);

    await deliver('rotating.happen');
    const during = receiver.received('/rotating')[0];
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiverAccepts(sub.secret, during)).toBe(true);
    expect(receiverAccepts(rotated.secret, during)).toBe(true);

    clock.advance(60 * S);
    await deliver('rotating.happen');
    const after = receiver.received('/rotating')[1];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(receiverAccepts(rotated.secret, after)).toBe(true);
    expect(receiverAccepts(sub.secret, after)).toBe(false);

    // An imported secret, and no overlap: the previous one stops at once.
    const imported = generateWebhookSecret();
    expect(await app.subscriptions.rotateSecret(sub.id, { secret: imported, overlapMs: 0 })).toEqual({
      secret: imported,
    });
    await deliver('rotating.happen');
    const third = receiver.received('/rotating')[2];
    expect(receiverAccepts(imported, third)).toBe(true);
    expect(receiverAccepts(rotated.secret, third)).toBe(false);

    await expect(app.subscriptions.rotateSecret(sub.id, { overlapMs: -1 })).rejects.toMatchObject({
      field: 'overlapMs',
    });
    await expect(app.subscriptions.rotateSecret(sub.id, { secret: 'whsec_nope' })).rejects.toMatchObject({
      field: 'secret',
    });
    await expect(app.subscriptions.rotateSecret(sub.id, { overlap: 5 } as never)).rejects.toMatchObject({
      field: 'overlap',
    });
    await expect(app.subscriptions.rotateSecret('00000000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(
      WebhookSubscriptionNotFoundError,
    );
    // The refused rotations changed nothing.
    await deliver('rotating.happen');
    expect(receiverAccepts(imported, receiver.received('/rotating')[3])).toBe(true);
  });

  it('signs each retry afresh: the same webhook-id, a new timestamp, a valid signature', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/retried'), events: 'retried.happen' });
    receiver.respond('/retried', (_request, index) => ({ status: index === 0 ? 500 : 200 }));
    await deliver('retried.happen', { n: 1 });
    clock.advance(10 * S);
    await app.engine.pollNow();
    await app.engine.whenIdle();
    const [first, second] = receiver.received('/retried');
    expect(second).toBeDefined();
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(Number(second.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(10);
    expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(receiverAccepts(sub.secret, first)).toBe(true);
    expect(receiverAccepts(sub.secret, second)).toBe(true);
  });

  it('signs with ed25519 (v1a) when asked, verifiable with the public key only', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/ed'), events: 'ed.happen', signing: 'ed25519' });
    expect(sub.secret).toMatch(/^whsk_/);
    expect(sub.publicKey).toMatch(/^whpk_/);
    expect(await app.subscriptions.publicKeys(sub.id)).toEqual([sub.publicKey]);
    await deliver('ed.happen', { a: 1 });
    const [request] = receiver.received('/ed');
    const signature = String(request.headers['webhook-signature']);
    expect(signature).toMatch(/^v1a,[A-Za-z0-9+/]+=*$/);
    const publicKey = decodePublicKey(sub.publicKey!);
    expect(verifyWebhook(request.body, headersOf(request), { publicKeys: [publicKey] })).toBe(true);
    expect(
      verifyWebhook(request.body, headersOf(request), {
        publicKeys: [decodePublicKey(generateSigningKeyPair().publicKey)],
      }),
    ).toBe(false);
    // Independently of our verifier: node:crypto over "id.timestamp.body".
    const content = Buffer.from(
      `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`,
    );
    expect(cryptoVerify(null, content, publicKey, Buffer.from(signature.slice(4), 'base64'))).toBe(true);

    const pair = generateSigningKeyPair();
    const imported = await app.subscriptions.create({
      to: receiver.url('/ed2'),
      events: 'ed.happen',
      secret: pair.signingKey,
    });
    expect(imported).toMatchObject({ secret: pair.signingKey, publicKey: pair.publicKey });
  });

  it('fails the tries of a subscription whose stored secrets are damaged rather than send them unsigned', async () => {
    const sub = await app.subscriptions.create({ to: receiver.url('/damaged'), events: 'damaged.happen' });
    await app.dataSource
      .createQueryBuilder()
      .update(WebhookSubscription)
      .set({ secrets: { not: 'a list' } as never })
      .where('id = :id', { id: sub.id })
      .execute();
    await app.registry.load();
    const [{ id }] = (await app.dispatcher.dispatch('damaged.happen', {})).attempts;
    await app.engine.whenIdle();
    const attempt = await app.attempts.get(id);
    expect(attempt).toMatchObject({ status: 'failed', attemptCount: 1, nextAttemptAt: null });
    expect(attempt.message).toMatch(/cannot be signed.*Rotate/);
    expect(receiver.received('/damaged')).toHaveLength(0);

    const { secret } = await app.subscriptions.rotateSecret(sub.id);
    await deliver('damaged.happen');
    expect(receiverAccepts(secret, receiver.received('/damaged')[0])).toBe(true);
  });

  it('keeps secrets encrypted at rest, and fails (without retrying) a try whose secret cannot be decrypted', async () => {
    const database = await db.another();
    const key = `base64:${randomBytes(32).toString('base64')}`;
    const encrypted = await createTestApp(database, options(clock, { secrets: { encryptionKeys: [key] } }));
    let id = '';
    try {
      const sub = await encrypted.subscriptions.create({ to: receiver.url('/encrypted'), events: 'enc.happen' });
      id = sub.id;
      await encrypted.subscriptions.rotateSecret(sub.id, { overlapMs: 60 * S });
      const stored = await storedSecrets(encrypted.dataSource, sub.id);
      expect(stored).toHaveLength(2);
      for (const entry of stored) expect(entry.value).toMatch(/^enc:v1:/);
      expect(JSON.stringify(stored)).not.toContain(sub.secret.slice('whsec_'.length));
      await encrypted.dispatcher.dispatch('enc.happen', {});
      await encrypted.engine.whenIdle();
      expect(receiverAccepts(sub.secret, receiver.received('/encrypted')[0])).toBe(true);
    } finally {
      await encrypted.close();
    }

    const keyless = await createTestApp(database, options(clock));
    try {
      const [{ id: attemptId }] = (await keyless.dispatcher.dispatch('enc.happen', {})).attempts;
      await keyless.engine.whenIdle();
      const attempt = await keyless.attempts.get(attemptId);
      expect(attempt).toMatchObject({ status: 'failed', attemptCount: 1, nextAttemptAt: null, subscriptionId: id });
      expect(attempt.message).toContain('secrets.encryptionKeys');
      expect(attempt.internalInfo.exceptionHistory[0]).toMatch(/WebhookSecretDecryptionError/);
      expect(receiver.received('/encrypted')).toHaveLength(1);
    } finally {
      await keyless.close();
    }
  });
});

describe('static subscriptions with a secret', () => {
  let receiver: TestReceiver;
  beforeAll(async () => (receiver = await TestReceiver.start()));
  afterAll(() => receiver.close());

  it('sign with it, in memory and persistent alike, and never show it', async () => {
    const secret = generateWebhookSecret();
    const pair = generateSigningKeyPair();
    const app = await createTestApp(
      { type: 'better-sqlite3', database: ':memory:' },
      {
        ...options(new TestClock()),
        subscriptions: [
          { to: receiver.url('/static-hmac'), events: 'static.*', secret },
          { to: receiver.url('/static-ed'), events: 'static.*', secret: pair.signingKey, persistent: true },
        ],
      },
    );
    try {
      await app.dispatcher.dispatch('static.ping', {});
      await app.engine.whenIdle();
      expect(receiverAccepts(secret, receiver.received('/static-hmac')[0])).toBe(true);
      const ed = receiver.received('/static-ed')[0];
      expect(verifyWebhook(ed.body, headersOf(ed), { publicKeys: [decodePublicKey(pair.publicKey)] })).toBe(true);
      // The one declared without `persistent` (the other is managed at runtime).
      const stat = (await app.subscriptions.list({ static: true })).items.find((s) => s.id.startsWith('static:'))!;
      expect(JSON.stringify(stat)).not.toContain(secret.slice(6));
      expect(stat.secrets).toBeUndefined();
      expect(await app.subscriptions.publicKeys(stat.id)).toEqual([]);
      await expect(app.subscriptions.rotateSecret(stat.id)).rejects.toBeInstanceOf(WebhookOperationNotAllowedError);
    } finally {
      await app.close();
    }
  });

  it('refuse a malformed configured secret at import time, naming the option', () => {
    return expect(
      createTestApp(
        { type: 'better-sqlite3', database: ':memory:' },
        { subscriptions: [{ to: 'https://a.example/h', secret: 'whsec_x' }] },
      ),
    ).rejects.toMatchObject({ option: 'subscriptions[0].secret' });
  });
});
