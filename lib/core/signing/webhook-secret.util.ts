import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { WebhookValidationError } from '../errors/webhooks.errors';
import {
  keyLengthReason,
  keyPairMismatchReason,
  missingPrefixReason,
  notAStringReason,
  notBase64Reason,
  secretLengthReason,
} from './signing.messages';

/** Prefix of a Standard Webhooks symmetric (HMAC-SHA256) secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Prefix of a Standard Webhooks ed25519 signing (private) key. */
export const SIGNING_KEY_PREFIX = 'whsk_';

/** Prefix of a Standard Webhooks ed25519 public key, what receivers verify `v1a` signatures with. */
export const PUBLIC_KEY_PREFIX = 'whpk_';

/** Fewest random bytes an HMAC secret may hold (the spec's 192 bits). */
const MIN_WEBHOOK_SECRET_BYTES = 24;

/** Most random bytes an HMAC secret may hold (the spec's 512 bits). */
const MAX_WEBHOOK_SECRET_BYTES = 64;

/** Random bytes in a generated HMAC secret. */
const GENERATED_WEBHOOK_SECRET_BYTES = 32;

const ED25519_SEED_BYTES = 32;
const ED25519_PUBLIC_KEY_BYTES = 32;

// RFC 8410 DER prefixes: a raw 32-byte ed25519 seed (or public key) appended to them is a PKCS#8
// private key (or SPKI public key) that node:crypto imports without any JWK round trip.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A new Standard Webhooks symmetric secret: `whsec_` and the standard base64 of 32 random bytes. Show
 * it to the subscriber once; store it (encrypted, see {@link SecretCipher}) to sign with.
 */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(GENERATED_WEBHOOK_SECRET_BYTES).toString('base64');
}

/**
 * Checks a symmetric secret (generated here or imported from elsewhere, e.g. a receiver moving from
 * another sender) and returns its key bytes: `whsec_` followed by canonical, padded standard base64 of
 * 24 to 64 bytes, exactly what the `standardwebhooks` receiver libraries load.
 *
 * @param field The input field named in the error.
 * @default field 'secret'
 * @throws WebhookValidationError naming `field` when the secret is malformed.
 */
export function decodeWebhookSecret(secret: string, field = 'secret'): Buffer {
  const bytes = decodePrefixed(secret, WEBHOOK_SECRET_PREFIX, 'secret bytes', field);
  if (bytes.length < MIN_WEBHOOK_SECRET_BYTES || bytes.length > MAX_WEBHOOK_SECRET_BYTES) {
    throw new WebhookValidationError(
      field,
      secretLengthReason(MIN_WEBHOOK_SECRET_BYTES, MAX_WEBHOOK_SECRET_BYTES, bytes.length),
    );
  }
  return bytes;
}

/** A Standard Webhooks asymmetric key pair, both halves serialized with their prefixes. */
export interface WebhookSigningKeyPair {
  /**
   * `whsk_` and the standard base64 of the raw 32-byte ed25519 seed (the private key as RFC 8032 defines
   * it; Go's `ed25519.NewKeyFromSeed`, Python's `Ed25519PrivateKey.from_private_bytes` take it as is).
   * Secret: store it like an HMAC secret.
   */
  signingKey: string;
  /** `whpk_` and the standard base64 of the raw 32-byte ed25519 public key. Public: give it to receivers. */
  publicKey: string;
}

/**
 * A new ed25519 key pair for `v1a` signatures. The sender keeps `signingKey`; receivers verify with
 * `publicKey` and can never sign themselves.
 */
export function generateSigningKeyPair(): WebhookSigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signingKey: SIGNING_KEY_PREFIX + seedOf(privateKey).toString('base64'),
    publicKey: PUBLIC_KEY_PREFIX + rawPublicKeyOf(publicKey).toString('base64'),
  };
}

/**
 * Checks a `whsk_` signing key and returns it as a node:crypto ed25519 private key. Accepts the 32-byte
 * seed this module generates and, for keys made with libsodium-style tools, the 64-byte seed + public
 * key (whose halves must belong together).
 *
 * @param field The input field named in the error.
 * @default field 'signingKey'
 * @throws WebhookValidationError naming `field` when the key is malformed.
 */
export function decodeSigningKey(signingKey: string, field = 'signingKey'): KeyObject {
  const bytes = decodePrefixed(signingKey, SIGNING_KEY_PREFIX, 'ed25519 seed', field);
  if (bytes.length !== ED25519_SEED_BYTES && bytes.length !== ED25519_SEED_BYTES + ED25519_PUBLIC_KEY_BYTES) {
    const allowed = 'a 32-byte ed25519 seed (or 64 bytes: seed and public key)';
    throw new WebhookValidationError(field, keyLengthReason(allowed, bytes.length));
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, bytes.subarray(0, ED25519_SEED_BYTES)]),
    format: 'der',
    type: 'pkcs8',
  });
  if (bytes.length > ED25519_SEED_BYTES) {
    const derived = rawPublicKeyOf(createPublicKey(privateKey));
    if (!derived.equals(bytes.subarray(ED25519_SEED_BYTES)))
      throw new WebhookValidationError(field, keyPairMismatchReason());
  }
  return privateKey;
}

/**
 * Checks a `whpk_` public key and returns it as a node:crypto ed25519 public key, for verifying `v1a`
 * signatures (receivers, tests, the testing helpers).
 *
 * @param field The input field named in the error.
 * @default field 'publicKey'
 * @throws WebhookValidationError naming `field` when the key is malformed.
 */
export function decodePublicKey(publicKey: string, field = 'publicKey'): KeyObject {
  const bytes = decodePrefixed(publicKey, PUBLIC_KEY_PREFIX, 'ed25519 public key', field);
  if (bytes.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new WebhookValidationError(field, keyLengthReason('a 32-byte ed25519 public key', bytes.length));
  }
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' });
}

/**
 * The `whpk_` public key belonging to a `whsk_` signing key (what the admin API shows, never the
 * signing key itself).
 *
 * @param field The input field named in the error.
 * @default field 'signingKey'
 */
export function publicKeyOf(signingKey: string | KeyObject, field = 'signingKey'): string {
  const privateKey = typeof signingKey === 'string' ? decodeSigningKey(signingKey, field) : signingKey;
  return PUBLIC_KEY_PREFIX + rawPublicKeyOf(createPublicKey(privateKey)).toString('base64');
}

function decodePrefixed(value: unknown, prefix: string, what: string, field: string): Buffer {
  if (typeof value !== 'string') {
    throw new WebhookValidationError(field, notAStringReason(`"${prefix}" followed by the base64 ${what}`));
  }
  if (!value.startsWith(prefix)) {
    throw new WebhookValidationError(field, missingPrefixReason(prefix, what));
  }
  const text = value.slice(prefix.length);
  // Node's base64 decoder skips what it does not understand; requiring the canonical form keeps
  // exactly the secrets every receiver library decodes to the same bytes.
  if (!BASE64.test(text)) {
    throw new WebhookValidationError(field, notBase64Reason(prefix));
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new WebhookValidationError(field, notBase64Reason(prefix));
  }
  return bytes;
}

function seedOf(privateKey: KeyObject): Buffer {
  return Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
}

function rawPublicKeyOf(publicKey: KeyObject): Buffer {
  return Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
}
