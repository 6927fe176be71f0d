import { createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WebhooksConfigurationError, WebhookValidationError } from '../lib';
import { WebhookSecretDecryptionError, WebhookStoredSecretError } from '../lib/core/errors/signing.errors';
import { SecretCipher } from '../lib/core/signing/secret.cipher';
import {
  createStoredSecret,
  liveSecrets,
  MAX_ROTATION_OVERLAP_MS,
  MAX_STORED_SECRETS,
  publicKeysFor,
  rotateSecrets,
  signingKeysFor,
  type StoredWebhookSecret,
} from '../lib/core/signing/subscription-secrets.util';
import {
  decodePublicKey,
  decodeSigningKey,
  decodeWebhookSecret,
  generateSigningKeyPair,
  generateWebhookSecret,
  publicKeyOf,
} from '../lib/core/signing/webhook-secret.util';
import {
  signedContent,
  signWebhook,
  type SigningKeys,
  verifyWebhook,
  webhookHeaders,
} from '../lib/core/signing/webhook-signature.util';
import { resolveSecretsOptions } from '../lib/options/signing.options';

const HOUR = 3_600_000;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const hmac = (...secrets: string[]): SigningKeys => ({ secrets: secrets.map((s) => decodeWebhookSecret(s)) });
const body = JSON.stringify({
  type: 'contact.create',
  timestamp: '2025-01-01T00:00:00.000Z',
  data: { id: 42, name: 'Zoë' },
});

/** Runs `fn` and returns the error it throws, failing the test when it does not throw one of `type`. */
function thrown<T extends Error>(type: abstract new (...args: any[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

/** The oracle: what a receiver using the `standardwebhooks` package accepts. */
function receiverAccepts(secret: string, payload: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(payload, headers, { jsonParse: false });
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return false;
  }
}

/** A small deterministic PRNG (mulberry32), so a failing random case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('webhook secrets', () => {
  it('generates whsec_ secrets of 32 random bytes in standard base64', () => {
    const secrets = Array.from({ length: 20 }, () => generateWebhookSecret());
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(decodeWebhookSecret(secret)).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('decodes imported secrets of 24 to 64 bytes to the bytes they encode', () => {
    for (const size of [24, 32, 33, 48, 64]) {
      const bytes = randomBytes(size);
      expect(decodeWebhookSecret(`whsec_${bytes.toString('base64')}`).equals(bytes)).toBe(true);
    }
  });

  it('rejects malformed secrets with a WebhookValidationError naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /must be a string/],
      [42, /must be a string/],
      ['', /must start with "whsec_"/],
      [randomBytes(32).toString('base64'), /must start with "whsec_"/],
      ['whsk_' + randomBytes(32).toString('base64'), /must start with "whsec_"/],
      ['whsec_' + randomBytes(32).toString('base64url'), /standard base64/],
      ['whsec_' + randomBytes(32).toString('base64').replace(/=+$/, ''), /standard base64/],
      [' whsec_' + randomBytes(32).toString('base64'), /must start with "whsec_"/],
      ['whsec_' + randomBytes(32).toString('base64') + '\n', /standard base64/],
      // Non-zero padding bits: decodes, but not canonically, so receivers could disagree on the bytes.
      ['whsec_' + randomBytes(30).toString('base64').slice(0, -2) + 'B=', /standard base64/],
      ['whsec_' + randomBytes(23).toString('base64'), /between 24 and 64 random bytes \(it encodes 23\)/],
      ['whsec_' + randomBytes(65).toString('base64'), /between 24 and 64 random bytes \(it encodes 65\)/],
      ['whsec_', /between 24 and 64/],
    ];
    for (const [value, reason] of cases) {
      const error = thrown(WebhookValidationError, () => decodeWebhookSecret(value as string));
      expect(error.field).toBe('secret');
      expect(error.reason).toMatch(reason);
      expect(error.message.startsWith('secret ')).toBe(true);
    }
    expect(thrown(WebhookValidationError, () => decodeWebhookSecret('nope', 'secrets[3]')).field).toBe('secrets[3]');
  });

  it('generates ed25519 key pairs as whsk_ seed and whpk_ public key', () => {
    const pair = generateSigningKeyPair();
    expect(pair.signingKey).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(pair.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyOf(pair.signingKey)).toBe(pair.publicKey);
    const derived = createPublicKey(decodeSigningKey(pair.signingKey)).export({ format: 'der', type: 'spki' });
    expect(derived.equals(decodePublicKey(pair.publicKey).export({ format: 'der', type: 'spki' }))).toBe(true);
    expect(generateSigningKeyPair().signingKey).not.toBe(pair.signingKey);
  });

  it('accepts a 64-byte seed + public key only when the halves belong together', () => {
    const pair = generateSigningKeyPair();
    const seed = Buffer.from(pair.signingKey.slice(5), 'base64');
    const pub = Buffer.from(pair.publicKey.slice(5), 'base64');
    expect(publicKeyOf(`whsk_${Buffer.concat([seed, pub]).toString('base64')}`)).toBe(pair.publicKey);
    const other = Buffer.from(generateSigningKeyPair().publicKey.slice(5), 'base64');
    const error = thrown(WebhookValidationError, () =>
      decodeSigningKey(`whsk_${Buffer.concat([seed, other]).toString('base64')}`, 'key'),
    );
    expect(error.field).toBe('key');
    expect(error.reason).toMatch(/do not belong together/);
  });

  it('rejects malformed signing and public keys naming the field', () => {
    expect(thrown(WebhookValidationError, () => decodeSigningKey(generateWebhookSecret())).reason).toMatch(
      /must start with "whsk_"/,
    );
    expect(
      thrown(WebhookValidationError, () => decodeSigningKey(`whsk_${randomBytes(31).toString('base64')}`)).reason,
    ).toMatch(/32-byte ed25519 seed .* \(it encodes 31 bytes\)/);
    const pub = thrown(WebhookValidationError, () =>
      decodePublicKey(`whpk_${randomBytes(33).toString('base64')}`, 'publicKeys[0]'),
    );
    expect(pub.field).toBe('publicKeys[0]');
    expect(pub.reason).toMatch(/32-byte ed25519 public key/);
  });
});

describe('signing webhooks (checked against the standardwebhooks receiver)', () => {
  it('matches the published Standard Webhooks test vector', () => {
    const signature = signWebhook(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
      hmac('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('produces headers the receiver accepts, for a generated secret', () => {
    const secret = generateWebhookSecret();
    const ts = nowSeconds();
    const headers = webhookHeaders('msg_abc', ts, body, hmac(secret));
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-timestamp']).toBe(String(ts));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(receiverAccepts(generateWebhookSecret(), body, headers)).toBe(false);
  });

  it('produces headers the receiver accepts, for imported secrets of every allowed size', () => {
    for (const size of [24, 40, 64]) {
      const secret = `whsec_${randomBytes(size).toString('base64')}`;
      const headers = webhookHeaders('msg_imported', nowSeconds(), body, hmac(secret));
      expect(receiverAccepts(secret, body, headers)).toBe(true);
    }
  });

  it('signs with every live secret during a rotation, and only the new one after the overlap', () => {
    const cipher = SecretCipher.none();
    const t0 = Date.now();
    const old = createStoredSecret({ now: t0, cipher });
    const next = createStoredSecret({ now: t0 + HOUR, cipher });
    const list = rotateSecrets([old.stored], next.stored, t0 + HOUR, 24 * HOUR);

    const during = webhookHeaders('msg_rot', nowSeconds(), body, signingKeysFor(list, t0 + 2 * HOUR, cipher));
    expect(during['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(receiverAccepts(old.secret, body, during)).toBe(true);
    expect(receiverAccepts(next.secret, body, during)).toBe(true);
    // The newest secret signs first.
    expect(during['webhook-signature']!.split(' ')[0]).toBe(
      signWebhook('msg_rot', Number(during['webhook-timestamp']), body, hmac(next.secret)),
    );

    const lastMoment = signingKeysFor(list, t0 + 25 * HOUR - 1, cipher);
    expect(lastMoment.secrets).toHaveLength(2);
    const after = webhookHeaders('msg_rot', nowSeconds(), body, signingKeysFor(list, t0 + 25 * HOUR, cipher));
    expect(after['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(receiverAccepts(next.secret, body, after)).toBe(true);
    expect(receiverAccepts(old.secret, body, after)).toBe(false);
  });

  it('keeps verifying a retry: same webhook-id, new timestamp, new signature', () => {
    const secret = generateWebhookSecret();
    const ts = nowSeconds();
    const first = webhookHeaders('msg_retry', ts - 120, body, hmac(secret));
    const retry = webhookHeaders('msg_retry', ts, body, hmac(secret));
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
    expect(receiverAccepts(secret, body, first)).toBe(true);
    expect(receiverAccepts(secret, body, retry)).toBe(true);
    // A stale try is refused by the receiver's 5-minute tolerance: why each try carries its own time.
    expect(receiverAccepts(secret, body, webhookHeaders('msg_retry', ts - 600, body, hmac(secret)))).toBe(false);
  });

  it('is rejected when the body, the id or the timestamp was tampered with', () => {
    const secret = generateWebhookSecret();
    const ts = nowSeconds();
    const headers = webhookHeaders('msg_tamper', ts, body, hmac(secret));
    expect(receiverAccepts(secret, body, headers)).toBe(true);
    expect(receiverAccepts(secret, body.replace('42', '43'), headers)).toBe(false);
    expect(receiverAccepts(secret, `${body} `, headers)).toBe(false);
    expect(receiverAccepts(secret, JSON.stringify(JSON.parse(body), null, 2), headers)).toBe(false);
    expect(receiverAccepts(secret, body, { ...headers, 'webhook-id': 'msg_tampeR' })).toBe(false);
    expect(receiverAccepts(secret, body, { ...headers, 'webhook-timestamp': String(ts - 1) })).toBe(false);
    expect(receiverAccepts(secret, body, { ...headers, 'webhook-timestamp': String(ts + 1) })).toBe(false);
  });

  it('adds v1a signatures that verify with node:crypto against the whpk_ public key', () => {
    const secret = generateWebhookSecret();
    const pair = generateSigningKeyPair();
    const ts = nowSeconds();
    const headers = webhookHeaders('msg_v1a', ts, body, {
      secrets: [decodeWebhookSecret(secret)],
      signingKeys: [decodeSigningKey(pair.signingKey)],
    });
    const [v1, v1a, ...rest] = headers['webhook-signature']!.split(' ');
    expect(rest).toEqual([]);
    expect(v1).toMatch(/^v1,/);
    expect(v1a).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    const signature = Buffer.from(v1a!.slice(4), 'base64');
    const publicKey = decodePublicKey(pair.publicKey);
    expect(cryptoVerify(null, Buffer.from(`msg_v1a.${ts}.${body}`), publicKey, signature)).toBe(true);
    expect(cryptoVerify(null, Buffer.from(`msg_v1a.${ts}.${body} `), publicKey, signature)).toBe(false);
    expect(
      cryptoVerify(
        null,
        Buffer.from(`msg_v1a.${ts}.${body}`),
        decodePublicKey(generateSigningKeyPair().publicKey),
        signature,
      ),
    ).toBe(false);
    // The HMAC receiver skips the v1a entry and still finds its v1 signature.
    expect(receiverAccepts(secret, body, headers)).toBe(true);
  });

  it('signs with ed25519 keys alone (no v1), which HMAC receivers cannot verify', () => {
    const pair = generateSigningKeyPair();
    const headers = webhookHeaders('msg_only_v1a', nowSeconds(), body, {
      secrets: [],
      signingKeys: [decodeSigningKey(pair.signingKey)],
    });
    expect(headers['webhook-signature']).toMatch(/^v1a,\S+$/);
    expect(verifyWebhook(body, headers, { publicKeys: [decodePublicKey(pair.publicKey)] })).toBe(true);
    expect(receiverAccepts(generateWebhookSecret(), body, headers)).toBe(false);
  });

  it('sends no webhook-signature header when there are no keys', () => {
    expect(signWebhook('msg_x', 1, body, { secrets: [] })).toBe('');
    expect(webhookHeaders('msg_x', 1700000000, body, { secrets: [], signingKeys: [] })).toEqual({
      'webhook-id': 'msg_x',
      'webhook-timestamp': '1700000000',
    });
  });

  it('signs a Buffer body exactly like the same text', () => {
    const keys = hmac(generateWebhookSecret());
    const text = '{"emoji":"🎉","accent":"é"}';
    expect(signWebhook('msg_b', 1700000000, Buffer.from(text, 'utf8'), keys)).toBe(
      signWebhook('msg_b', 1700000000, text, keys),
    );
    expect(signedContent('msg_b', 5, text).toString('utf8')).toBe(`msg_b.5.${text}`);
  });

  it('refuses ids and timestamps that would make the signed content ambiguous or unsendable', () => {
    const keys = hmac(generateWebhookSecret());
    for (const id of ['', 'msg.1', 'msg 1', 'msg\n1', 'mség', 'x'.repeat(257), undefined as unknown as string]) {
      const error = thrown(WebhookValidationError, () => signWebhook(id, 1700000000, body, keys));
      expect(error.field).toBe('webhook-id');
      expect(error.reason).toMatch(/without spaces or "\."/);
    }
    for (const ts of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.7e15 * 10, '1700000000' as unknown as number]) {
      const error = thrown(WebhookValidationError, () => webhookHeaders('msg_ok', ts, body, keys));
      expect(error.field).toBe('webhook-timestamp');
      expect(error.reason).toMatch(/whole, non-negative number of seconds/);
    }
    expect(
      thrown(WebhookValidationError, () => signWebhook('msg_ok', 1, { text: 'x' } as unknown as string, keys)).field,
    ).toBe('body');
  });

  it('agrees with the receiver over random ids, secrets and bodies (unicode, empty, large)', () => {
    const random = prng(0x5eed);
    const pick = (chars: string, length: number): string =>
      Array.from({ length }, () => chars[Math.floor(random() * chars.length)]).join('');
    const idChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-~!$%&*+/=:,;?@[]^{|}`\'"#()<>';
    const alphabets = [
      'abc XYZ 019 {}[]":,.\\/\n\t',
      'éàüßçñøÅ€£¥©®™',
      '日本語中文한국어',
      '🎉😀👍🏽🇫🇷\u200d\u0301',
      '\u0000\u0001\u001f\u007f\u2028\u2029\ufeff',
      '\ud800\udfff', // lone surrogates: both sides encode them as U+FFFD
    ];
    const bodies: string[] = ['', ' ', '.', 'x'.repeat(1 << 20), JSON.stringify({ data: 'é'.repeat(200_000) })];
    for (let i = 0; i < 150; i += 1) {
      const alphabet = alphabets.slice(0, 1 + Math.floor(random() * alphabets.length)).join('');
      bodies.push(pick(alphabet, Math.floor(random() ** 3 * 20_000)));
    }
    let checked = 0;
    for (const [index, text] of bodies.entries()) {
      const id = `msg_${pick(idChars, 1 + Math.floor(random() * 40))}`;
      const secret = `whsec_${Buffer.from(Array.from({ length: 24 + Math.floor(random() * 41) }, () => Math.floor(random() * 256))).toString('base64')}`;
      const ts = nowSeconds() - Math.floor(random() * 200);
      const ours = signWebhook(id, ts, text, hmac(secret));
      const oracle = new Webhook(secret).sign(id, new Date(ts * 1000), text);
      expect(ours, `case ${index}`).toBe(oracle);
      const headers = webhookHeaders(id, ts, text, hmac(secret));
      expect(receiverAccepts(secret, text, headers), `case ${index}`).toBe(true);
      expect(verifyWebhook(text, headers, { secrets: [decodeWebhookSecret(secret)] }), `case ${index}`).toBe(true);
      checked += 1;
    }
    expect(checked).toBe(155);
  });
});

describe('verifyWebhook (the receiving side, for tests and self-delivery)', () => {
  const secret = generateWebhookSecret();
  const pair = generateSigningKeyPair();

  it('accepts any matching v1 or v1a signature, with header names in any case', () => {
    const ts = nowSeconds();
    const headers = webhookHeaders('msg_v', ts, body, hmac(secret, generateWebhookSecret()));
    const shouty = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(body, shouty, { secrets: [decodeWebhookSecret(secret)] })).toBe(true);
    expect(verifyWebhook(body, headers, { secrets: [decodeWebhookSecret(generateWebhookSecret())] })).toBe(false);
    const signed = webhookHeaders('msg_v', ts, body, { secrets: [], signingKeys: [decodeSigningKey(pair.signingKey)] });
    expect(verifyWebhook(body, signed, { publicKeys: [decodePublicKey(pair.publicKey)] })).toBe(true);
    expect(verifyWebhook(body, signed, { publicKeys: [decodePublicKey(generateSigningKeyPair().publicKey)] })).toBe(
      false,
    );
    expect(verifyWebhook(`${body}x`, signed, { publicKeys: [decodePublicKey(pair.publicKey)] })).toBe(false);
  });

  it('refuses stale, future, missing or malformed headers without throwing', () => {
    const keys = { secrets: [decodeWebhookSecret(secret)] };
    const now = 1_700_000_000;
    const at = (ts: number) => webhookHeaders('msg_t', ts, body, hmac(secret));
    expect(verifyWebhook(body, at(now - 300), keys, { nowSeconds: now })).toBe(true);
    expect(verifyWebhook(body, at(now - 301), keys, { nowSeconds: now })).toBe(false);
    expect(verifyWebhook(body, at(now + 301), keys, { nowSeconds: now })).toBe(false);
    expect(verifyWebhook(body, at(now - 10_000), keys, { nowSeconds: now, toleranceSeconds: Infinity })).toBe(true);
    const { 'webhook-signature': _omitted, ...unsigned } = at(now);
    expect(verifyWebhook(body, unsigned, keys, { nowSeconds: now })).toBe(false);
    expect(verifyWebhook(body, { ...at(now), 'webhook-timestamp': `${now}.0` }, keys, { nowSeconds: now })).toBe(false);
    expect(verifyWebhook(body, { ...at(now), 'webhook-id': 'a.b' }, keys, { nowSeconds: now })).toBe(false);
    expect(
      verifyWebhook(body, { ...at(now), 'webhook-signature': 'v1 v2,abc v1a,@@' }, keys, { nowSeconds: now }),
    ).toBe(false);
  });
});

describe('SecretCipher', () => {
  const key = (): string => `base64:${randomBytes(32).toString('base64')}`;

  it('round-trips values in the documented format, with a fresh IV each time', () => {
    const cipher = new SecretCipher([key()]);
    const secret = generateWebhookSecret();
    const stored = cipher.encrypt(secret);
    expect(stored).toMatch(/^enc:v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
    expect(stored).not.toContain(secret.slice(6));
    expect(stored.split(':')[2]).toBe(cipher.keyIds[0]);
    expect(cipher.decrypt(stored)).toBe(secret);
    expect(cipher.encrypt(secret)).not.toBe(stored);
    for (const plain of ['', 'é🎉', 'x'.repeat(10_000)]) expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
  });

  it('reads the four key spellings as the same key', () => {
    const bytes = randomBytes(32);
    const spellings = [
      `base64:${bytes.toString('base64')}`,
      bytes.toString('base64'),
      `hex:${bytes.toString('hex')}`,
      bytes.toString('hex').toUpperCase(),
    ];
    const ids = spellings.map((spelling) => new SecretCipher([spelling]).keyIds[0]);
    expect(new Set(ids).size).toBe(1);
    const stored = new SecretCipher([spellings[0]!]).encrypt('secret');
    for (const spelling of spellings) expect(new SecretCipher([spelling]).decrypt(stored)).toBe('secret');
  });

  it('keeps decrypting with an old key after a new one is put first, and re-encrypts with the new one', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = new SecretCipher([oldKey]);
    const stored = before.encrypt('whsec_old');
    const after = new SecretCipher([newKey, oldKey]);
    expect(after.decrypt(stored)).toBe('whsec_old');
    expect(after.needsReencryption(stored)).toBe(true);
    const rewritten = after.reencrypt(stored);
    expect(rewritten.split(':')[2]).toBe(after.keyIds[0]);
    expect(after.needsReencryption(rewritten)).toBe(false);
    expect(after.reencrypt(rewritten)).toBe(rewritten);
    expect(new SecretCipher([newKey]).decrypt(rewritten)).toBe('whsec_old');
    // Plain values are rewritten too once encryption is on.
    expect(after.needsReencryption('whsec_plain')).toBe(true);
    expect(SecretCipher.none().needsReencryption('whsec_plain')).toBe(false);
  });

  it('names the missing key when the encrypting key is not configured', () => {
    const oldCipher = new SecretCipher([key()]);
    const stored = oldCipher.encrypt('whsec_x');
    const current = new SecretCipher([key(), key()]);
    const error = thrown(WebhookSecretDecryptionError, () => current.decrypt(stored));
    expect(error.keyId).toBe(oldCipher.keyIds[0]);
    expect(error.message).toContain(`"${oldCipher.keyIds[0]}"`);
    expect(error.message).toContain('secrets.encryptionKeys');
    for (const id of current.keyIds) expect(error.message).toContain(`"${id}"`);
    const none = thrown(WebhookSecretDecryptionError, () => SecretCipher.none().decrypt(stored));
    expect(none.message).toMatch(/no encryption keys are configured.*secrets\.encryptionKeys/);
  });

  it('detects tampering with the ciphertext, the IV, the tag or the key id', () => {
    const [k1, k2] = [key(), key()];
    const cipher = new SecretCipher([k1, k2]);
    const stored = cipher.encrypt('whsec_tamper_me_please');
    const parts = stored.split(':');
    const flip = (text: string, at: number): string => {
      const c = text[at] === 'A' ? 'B' : 'A';
      return text.slice(0, at) + c + text.slice(at + 1);
    };
    const variants = [
      [...parts.slice(0, 4), flip(parts[4]!, 3), parts[5]],
      [...parts.slice(0, 3), flip(parts[3]!, 0), ...parts.slice(4)],
      [...parts.slice(0, 5), flip(parts[5]!, 5)],
      [...parts.slice(0, 4), parts[4]!.slice(0, -2), parts[5]],
      [...parts.slice(0, 3), parts[3]!.slice(0, 8), ...parts.slice(4)],
      [parts[0], parts[1], cipher.keyIds[1], ...parts.slice(3)],
      [...parts.slice(0, 4), '!!', parts[5]],
    ];
    for (const variant of variants) {
      const error = thrown(WebhookSecretDecryptionError, () => cipher.decrypt(variant.join(':')));
      expect(error.message).toMatch(/failed authentication/);
    }
    expect(thrown(WebhookSecretDecryptionError, () => cipher.decrypt('enc:v2:abc')).message).toMatch(
      /not in the "enc:v1:/,
    );
    expect(thrown(WebhookSecretDecryptionError, () => cipher.decrypt(`${stored}:extra`)).message).toMatch(
      /not in the "enc:v1:/,
    );
    expect(cipher.decrypt(stored)).toBe('whsec_tamper_me_please');
  });

  it('binds a value to its context, so it cannot be copied to another record', () => {
    const cipher = new SecretCipher([key()]);
    const stored = cipher.encrypt('whsec_bound', 'sub-1');
    expect(cipher.decrypt(stored, 'sub-1')).toBe('whsec_bound');
    expect(thrown(WebhookSecretDecryptionError, () => cipher.decrypt(stored, 'sub-2')).message).toContain(
      'expected context "sub-2"',
    );
    expect(() => cipher.decrypt(stored)).toThrow(WebhookSecretDecryptionError);
    expect(cipher.reencrypt(stored, 'sub-1')).toBe(stored);
  });

  it('passes plain values through, and stores plain text without keys', () => {
    const cipher = new SecretCipher([key()]);
    const secret = generateWebhookSecret();
    expect(cipher.decrypt(secret)).toBe(secret);
    expect(cipher.enabled).toBe(true);
    const none = SecretCipher.none();
    expect(none.enabled).toBe(false);
    expect(none.keyIds).toEqual([]);
    expect(none.encrypt(secret)).toBe(secret);
    expect(none.decrypt(secret)).toBe(secret);
    expect(new SecretCipher([]).encrypt(secret)).toBe(secret);
  });

  it('rejects bad keys with a WebhooksConfigurationError naming secrets.encryptionKeys[i], never echoing the key', () => {
    const good = key();
    const short = `base64:${randomBytes(16).toString('base64')}`;
    const cases: Array<[unknown[], string, RegExp]> = [
      [[good, short], 'secrets.encryptionKeys[1]', /encodes 16 bytes instead of 32/],
      [['not a key!'], 'secrets.encryptionKeys[0]', /neither hex nor standard base64/],
      [
        [good, `hex:${randomBytes(31).toString('hex')}`],
        'secrets.encryptionKeys[1]',
        /neither hex nor standard base64/,
      ],
      [[`${'_-'.repeat(21)}A=`], 'secrets.encryptionKeys[0]', /neither hex nor standard base64/], // base64url
      [
        [randomBytes(32).toString('base64').replace(/=$/, '')],
        'secrets.encryptionKeys[0]',
        /neither hex nor standard base64/,
      ],
      [[`base64:${randomBytes(48).toString('base64')}`], 'secrets.encryptionKeys[0]', /encodes 48 bytes/],
      [[good, 42], 'secrets.encryptionKeys[1]', /is not a string/],
      [[''], 'secrets.encryptionKeys[0]', /neither hex nor standard base64/],
      [
        [good, good.slice(7)],
        'secrets.encryptionKeys[1]',
        /repeats the key already given as "secrets\.encryptionKeys\[0\]"/,
      ],
    ];
    for (const [keys, option, message] of cases) {
      const error = thrown(WebhooksConfigurationError, () => new SecretCipher(keys as string[]));
      expect(error.option).toBe(option);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(`"${option}"`);
      for (const value of keys)
        if (typeof value === 'string' && value !== '') expect(error.message).not.toContain(value);
    }
    expect(thrown(WebhooksConfigurationError, () => new SecretCipher('base64:abc' as unknown as string[])).option).toBe(
      'secrets.encryptionKeys',
    );
  });
});

describe('subscription secret lists', () => {
  const entry = (
    value: string,
    createdAt: number,
    expiresAt: number | null,
    kind: 'hmac' | 'ed25519' = 'hmac',
  ): StoredWebhookSecret => ({
    value,
    kind,
    createdAt,
    expiresAt,
  });

  it('lists the entries that have not expired', () => {
    const list = [entry('a', 0, null), entry('b', 0, 100), entry('c', 0, 99)];
    expect(liveSecrets(list, 99).map((e) => e.value)).toEqual(['a', 'b']);
    expect(liveSecrets(list, 100).map((e) => e.value)).toEqual(['a']);
    expect(liveSecrets([], 0)).toEqual([]);
  });

  it('rotates: new first, the live ones of the same kind expire after the overlap, expired ones dropped', () => {
    const now = 1_000 * HOUR;
    const list = [
      entry('current', now - 10 * HOUR, null),
      entry('overlapping', now - 20 * HOUR, now + HOUR),
      entry('expired', now - 50 * HOUR, now - HOUR),
      entry('ed-current', now - 5 * HOUR, null, 'ed25519'),
    ];
    const copy = structuredClone(list);
    const rotated = rotateSecrets(list, entry('next', now, null), now, 24 * HOUR);
    expect(rotated).toEqual([
      entry('next', now, null),
      entry('current', now - 10 * HOUR, now + 24 * HOUR),
      entry('overlapping', now - 20 * HOUR, now + HOUR), // an earlier expiry is never extended
      entry('ed-current', now - 5 * HOUR, null, 'ed25519'), // another kind is not rotated
    ]);
    expect(list).toEqual(copy);
  });

  it('with an overlap of 0 the replaced secrets stop at once', () => {
    const rotated = rotateSecrets(
      [entry('old', 0, null), entry('older', 0, 5_000)],
      entry('new', 1_000, null),
      1_000,
      0,
    );
    expect(rotated).toEqual([entry('new', 1_000, null)]);
  });

  it('keeps at most ten entries, dropping the soonest to expire', () => {
    let list: StoredWebhookSecret[] = [entry('s0', 0, null)];
    for (let i = 1; i <= 14; i += 1)
      list = rotateSecrets(list, entry(`s${i}`, i * HOUR, null), i * HOUR, 7 * 24 * HOUR);
    expect(list).toHaveLength(MAX_STORED_SECRETS);
    expect(list.map((e) => e.value)).toEqual(['s14', 's13', 's12', 's11', 's10', 's9', 's8', 's7', 's6', 's5']);
    expect(list[0]!.expiresAt).toBeNull();
    expect(list.slice(1).every((e) => e.expiresAt !== null)).toBe(true);
  });

  it('refuses overlaps outside 0..7 days and unknown kinds, naming the field', () => {
    for (const overlap of [-1, MAX_ROTATION_OVERLAP_MS + 1, 1.5, Number.NaN, '3600000' as unknown as number]) {
      const error = thrown(WebhookValidationError, () => rotateSecrets([], entry('n', 0, null), 0, overlap));
      expect(error.field).toBe('overlapMs');
      expect(error.reason).toMatch(/0 to 604800000/);
    }
    expect(rotateSecrets([], entry('n', 0, null), 0, MAX_ROTATION_OVERLAP_MS)).toHaveLength(1);
    const kind = thrown(WebhookValidationError, () =>
      rotateSecrets([], { ...entry('n', 0, null), kind: 'rsa' as 'hmac' }, 0, 0),
    );
    expect(kind.field).toBe('kind');
  });

  it('turns an encrypted list into signing keys, newest first, skipping expired entries', () => {
    const cipher = new SecretCipher([`base64:${randomBytes(32).toString('base64')}`]);
    const t0 = 1_700_000_000_000;
    const first = createStoredSecret({ now: t0, cipher, context: 'sub-9' });
    const pair = createStoredSecret({ kind: 'ed25519', now: t0, cipher, context: 'sub-9' });
    const second = createStoredSecret({ now: t0 + HOUR, cipher, context: 'sub-9' });
    expect(first.stored.value.startsWith('enc:v1:')).toBe(true);
    expect(pair.publicKey).toBe(publicKeyOf(pair.secret));
    const list = rotateSecrets([pair.stored, first.stored], second.stored, t0 + HOUR, HOUR);

    const keys = signingKeysFor(list, t0 + HOUR + 1, cipher, 'sub-9');
    expect(keys.secrets.map((s) => s.toString('base64'))).toEqual([second.secret.slice(6), first.secret.slice(6)]);
    expect(keys.signingKeys).toHaveLength(1);
    expect(publicKeysFor(list, t0 + HOUR + 1, cipher, 'sub-9')).toEqual([pair.publicKey]);
    expect(signingKeysFor(list, t0 + 2 * HOUR, cipher, 'sub-9').secrets).toHaveLength(1);

    const ts = nowSeconds();
    const headers = webhookHeaders('msg_list', ts, body, keys);
    expect(receiverAccepts(first.secret, body, headers)).toBe(true);
    expect(receiverAccepts(second.secret, body, headers)).toBe(true);
    expect(verifyWebhook(body, headers, { publicKeys: [decodePublicKey(pair.publicKey!)] })).toBe(true);
    // Bound to the subscription: another context does not decrypt.
    expect(() => signingKeysFor(list, t0 + HOUR, cipher, 'sub-10')).toThrow(WebhookSecretDecryptionError);
  });

  it('reports a damaged stored secret by position, without its value', () => {
    const damaged = 'whsec_c2hvcnQ=';
    const error = thrown(WebhookStoredSecretError, () =>
      signingKeysFor([entry(generateWebhookSecret(), 0, null), entry(damaged, 0, null)], 1, SecretCipher.none()),
    );
    expect(error.index).toBe(1);
    expect(error.message).toMatch(/position 1 \(kind "hmac"\).*it encodes 5.*Rotate/);
    expect(error.message).not.toContain('c2hvcnQ');
    // An expired damaged entry is never read.
    expect(signingKeysFor([entry(damaged, 0, 1)], 1, SecretCipher.none()).secrets).toEqual([]);
  });

  it('creates stored secrets from imported values, validating them under the given field', () => {
    const imported = `whsec_${randomBytes(24).toString('base64')}`;
    const created = createStoredSecret({ secret: imported, now: 5, cipher: SecretCipher.none() });
    expect(created).toEqual({
      secret: imported,
      stored: { value: imported, kind: 'hmac', createdAt: 5, expiresAt: null },
    });
    const error = thrown(WebhookValidationError, () =>
      createStoredSecret({ secret: 'whsec_short', field: 'body.secret', now: 5, cipher: SecretCipher.none() }),
    );
    expect(error.field).toBe('body.secret');
    const pair = generateSigningKeyPair();
    expect(
      createStoredSecret({ kind: 'ed25519', secret: pair.signingKey, now: 5, cipher: SecretCipher.none() }).publicKey,
    ).toBe(pair.publicKey);
    expect(
      thrown(WebhookValidationError, () =>
        createStoredSecret({ kind: 'ed25519', secret: imported, now: 5, cipher: SecretCipher.none() }),
      ).field,
    ).toBe('secret');
  });
});

describe('resolveSecretsOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolveSecretsOptions(undefined);
    expect(resolved.rotationOverlap).toBe(24 * HOUR);
    expect(resolved.defaultKind).toBe('hmac');
    expect(resolved.cipher.enabled).toBe(false);
    const withKeys = resolveSecretsOptions({
      encryptionKeys: [`base64:${randomBytes(32).toString('base64')}`],
      rotationOverlap: 0,
      defaultKind: 'ed25519',
    });
    expect(withKeys).toMatchObject({ rotationOverlap: 0, defaultKind: 'ed25519' });
    expect(withKeys.cipher.enabled).toBe(true);
  });

  it('names the option at fault', () => {
    const cases: Array<[unknown, string]> = [
      [{ rotationOverlap: -1 }, 'secrets.rotationOverlap'],
      [{ rotationOverlap: MAX_ROTATION_OVERLAP_MS + 1 }, 'secrets.rotationOverlap'],
      [{ defaultKind: 'rsa' }, 'secrets.defaultKind'],
      [{ encryptionKeys: ['x'] }, 'secrets.encryptionKeys[0]'],
      [{ encryptionKey: 'x' }, 'secrets.encryptionKey'],
      ['yes', 'secrets'],
    ];
    for (const [raw, option] of cases) {
      const error = thrown(WebhooksConfigurationError, () => resolveSecretsOptions(raw as never));
      expect(error.option).toBe(option);
      expect(error.message).toContain(`"${option}"`);
    }
  });
});
