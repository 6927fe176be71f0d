import type { KeyObject } from 'node:crypto';
import { WebhookValidationError } from '../errors/webhooks.errors';
import { overlapReason, secretKindReason, unusableStoredSecretMessage } from './signing.messages';
import { WebhookStoredSecretError } from '../errors/signing.errors';
import { type SecretCipher } from './secret.cipher';
import {
  decodeSigningKey,
  decodeWebhookSecret,
  generateSigningKeyPair,
  generateWebhookSecret,
  publicKeyOf,
} from './webhook-secret.util';
import type { SigningKeys } from './webhook-signature.util';

/** The kinds of stored secret: a `whsec_` HMAC secret (`v1`) or a `whsk_` ed25519 signing key (`v1a`). */
export const WEBHOOK_SECRET_KINDS = ['hmac', 'ed25519'] as const;

/** A kind of stored secret. */
export type WebhookSecretKind = (typeof WEBHOOK_SECRET_KINDS)[number];

/** Most entries a subscription's secret list keeps (the live one and up to nine still in their overlap). */
export const MAX_STORED_SECRETS = 10;

/** The usual rotation overlap: how long a replaced secret keeps signing. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** The longest rotation overlap allowed. */
export const MAX_ROTATION_OVERLAP_MS = 7 * 24 * 3_600_000;

/**
 * One entry of a subscription's secret list, as stored (JSON). The list is kept newest first; every
 * entry that has not expired signs each try, so receivers holding any of them verify.
 */
export interface StoredWebhookSecret {
  /** The `whsec_` secret or `whsk_` key, encrypted by the {@link SecretCipher} when keys are configured. */
  value: string;
  /** What `value` holds. */
  kind: WebhookSecretKind;
  /** When it was added, epoch milliseconds. */
  createdAt: number;
  /** When it stops signing, epoch milliseconds; `null` while it is the current one of its kind. */
  expiresAt: number | null;
}

/** A freshly created secret: the entry to store and what to show the subscriber, once. */
export interface CreatedWebhookSecret {
  /** The entry to store (value encrypted when the cipher has keys). */
  stored: StoredWebhookSecret;
  /** The plain `whsec_` secret or `whsk_` signing key. */
  secret: string;
  /** For `ed25519`: the `whpk_` public key receivers verify with. */
  publicKey?: string;
}

/** Input of {@link createStoredSecret}. */
export interface CreateStoredSecretInput {
  /**
   * The kind of secret.
   * @default 'hmac'
   */
  kind?: WebhookSecretKind;
  /**
   * An imported `whsec_` secret (kind `hmac`) or `whsk_` key (kind `ed25519`); validated. Generated when absent.
   * @default undefined (generate)
   */
  secret?: string;
  /**
   * The input field named when `secret` is rejected.
   * @default 'secret'
   */
  field?: string;
  /** Now, epoch milliseconds. */
  now: number;
  /** Encrypts the stored value. */
  cipher: SecretCipher;
  /**
   * Bound into the encrypted value (e.g. the subscription id); give the same to {@link signingKeysFor}.
   * @default undefined
   */
  context?: string;
}

/**
 * A new entry for a subscription's secret list (at creation, or as the `next` of a rotation): the
 * given secret validated, or a generated one, encrypted with the cipher.
 *
 * @throws WebhookValidationError naming `field` when an imported secret is malformed.
 */
export function createStoredSecret(input: CreateStoredSecretInput): CreatedWebhookSecret {
  const kind = input.kind ?? 'hmac';
  const field = input.field ?? 'secret';
  assertKind(kind, 'kind');
  let secret: string;
  let publicKey: string | undefined;
  if (kind === 'hmac') {
    secret = input.secret ?? generateWebhookSecret();
    decodeWebhookSecret(secret, field);
  } else if (input.secret === undefined) {
    ({ signingKey: secret, publicKey } = generateSigningKeyPair());
  } else {
    secret = input.secret;
    publicKey = publicKeyOf(secret, field);
  }
  const stored: StoredWebhookSecret = {
    value: input.cipher.encrypt(secret, input.context),
    kind,
    createdAt: input.now,
    expiresAt: null,
  };
  return publicKey === undefined ? { stored, secret } : { stored, secret, publicKey };
}

/** The entries that still sign at `now` (epoch ms): those without an expiry or expiring later. */
export function liveSecrets(list: readonly StoredWebhookSecret[], now: number): StoredWebhookSecret[] {
  return list.filter((entry) => isLive(entry, now));
}

/**
 * The list after rotating to `next`: `next` first; the live entries of the same kind keep signing
 * until `now + overlapMs` (an earlier expiry is kept), so receivers can switch over; entries of the
 * other kind are untouched; expired entries are dropped, then the soonest-expiring ones until at most
 * {@link MAX_STORED_SECRETS} remain. Returns a new list; the input is not changed.
 *
 * @param overlapMs How long the replaced secrets keep signing, 0 to 7 days; 0 stops them at once.
 * @throws WebhookValidationError naming `overlapMs` or `kind` for out-of-range input.
 */
export function rotateSecrets(
  list: readonly StoredWebhookSecret[],
  next: StoredWebhookSecret,
  now: number,
  overlapMs: number,
): StoredWebhookSecret[] {
  assertRotationOverlap(overlapMs);
  assertKind(next.kind, 'kind');
  const until = now + overlapMs;
  const kept = list
    .filter((entry) => isLive(entry, now))
    .map((entry) =>
      entry.kind === next.kind && (entry.expiresAt === null || entry.expiresAt > until)
        ? { ...entry, expiresAt: until }
        : { ...entry },
    )
    .filter((entry) => isLive(entry, now));
  const result = [{ ...next }, ...kept];
  while (result.length > MAX_STORED_SECRETS) {
    result.splice(soonestExpiring(result), 1);
  }
  return result;
}

/**
 * Checks a rotation overlap: whole milliseconds from 0 to {@link MAX_ROTATION_OVERLAP_MS}.
 *
 * @param field The input field named in the error.
 * @default field 'overlapMs'
 */
export function assertRotationOverlap(overlapMs: unknown, field = 'overlapMs'): number {
  if (
    typeof overlapMs !== 'number' ||
    !Number.isSafeInteger(overlapMs) ||
    overlapMs < 0 ||
    overlapMs > MAX_ROTATION_OVERLAP_MS
  ) {
    throw new WebhookValidationError(field, overlapReason(MAX_ROTATION_OVERLAP_MS));
  }
  return overlapMs;
}

/**
 * The keys to sign a try with at `now`: every live entry, decrypted and decoded, newest first.
 *
 * @param context The context the values were encrypted with (see {@link SecretCipher.encrypt}).
 * @default context undefined
 * @throws WebhookSecretDecryptionError when an encrypted value cannot be decrypted (the message names the key to configure).
 * @throws WebhookStoredSecretError when a stored value is not a valid secret of its kind.
 */
export function signingKeysFor(
  list: readonly StoredWebhookSecret[],
  now: number,
  cipher: SecretCipher,
  context?: string,
): SigningKeys {
  const secrets: Buffer[] = [];
  const signingKeys: KeyObject[] = [];
  list.forEach((entry, index) => {
    if (!isLive(entry, now)) return;
    const key = decodeStored(entry, index, cipher, context);
    if (Buffer.isBuffer(key)) secrets.push(key);
    else signingKeys.push(key);
  });
  return { secrets, signingKeys };
}

/**
 * The `whpk_` public keys of the live ed25519 entries at `now`, newest first: what receivers of `v1a`
 * signatures need (the admin API can show them at any time).
 *
 * @param context The context the values were encrypted with.
 * @default context undefined
 */
export function publicKeysFor(
  list: readonly StoredWebhookSecret[],
  now: number,
  cipher: SecretCipher,
  context?: string,
): string[] {
  const keys: string[] = [];
  list.forEach((entry, index) => {
    if (entry.kind !== 'ed25519' || !isLive(entry, now)) return;
    keys.push(publicKeyOf(decodeStored(entry, index, cipher, context) as KeyObject));
  });
  return keys;
}

function decodeStored(
  entry: StoredWebhookSecret,
  index: number,
  cipher: SecretCipher,
  context: string | undefined,
): Buffer | KeyObject {
  const plain = cipher.decrypt(entry.value, context);
  try {
    if (entry.kind === 'hmac') return decodeWebhookSecret(plain, `secrets[${index}]`);
    if (entry.kind === 'ed25519') return decodeSigningKey(plain, `secrets[${index}]`);
    throw new WebhookValidationError(`secrets[${index}].kind`, secretKindReason(WEBHOOK_SECRET_KINDS));
  } catch (error) {
    // The reason, never the value: it is a secret.
    const reason = error instanceof WebhookValidationError ? error.reason : String(error);
    throw new WebhookStoredSecretError(unusableStoredSecretMessage(index, String(entry.kind), reason), index);
  }
}

function isLive(entry: StoredWebhookSecret, now: number): boolean {
  return entry.expiresAt === null || entry.expiresAt > now;
}

function assertKind(kind: unknown, field: string): asserts kind is WebhookSecretKind {
  if (!(WEBHOOK_SECRET_KINDS as readonly unknown[]).includes(kind)) {
    throw new WebhookValidationError(field, secretKindReason(WEBHOOK_SECRET_KINDS));
  }
}

function soonestExpiring(list: readonly StoredWebhookSecret[]): number {
  // Index 0 is the new secret and is never dropped; among the rest, the first to expire goes (a tie
  // drops the later, i.e. older, entry).
  let pick = -1;
  for (let i = 1; i < list.length; i += 1) {
    const expiresAt = list[i].expiresAt ?? Infinity;
    if (pick < 0 || expiresAt <= (list[pick].expiresAt ?? Infinity)) pick = i;
  }
  return pick;
}
