import { createHmac, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import { WebhookValidationError } from '../errors/webhooks.errors';
import { bodyReason, timestampReason, webhookIdReason } from './signing.messages';

/** The header carrying the message id, the same on every try of a message. */
export const WEBHOOK_ID_HEADER = 'webhook-id';

/** The header carrying the Unix time (seconds) of the try, new on every try. */
const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';

/** The header carrying the space-separated signatures. */
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** Longest `webhook-id` accepted for signing. */
const MAX_WEBHOOK_ID_LENGTH = 256;

/** How far (seconds) a try's timestamp may be from the receiver's clock, as the receiver libraries allow. */
const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;

/** The keys one try is signed with: every live secret of the subscription, newest first. */
export interface SigningKeys {
  /** HMAC-SHA256 keys (decoded `whsec_` secrets); each adds a `v1` signature. */
  secrets: Buffer[];
  /**
   * ed25519 private keys (decoded `whsk_` keys); each adds a `v1a` signature.
   * @default []
   */
  signingKeys?: KeyObject[];
}

/** The keys a receiver verifies with. */
export interface VerificationKeys {
  /**
   * HMAC-SHA256 keys (decoded `whsec_` secrets), checked against the `v1` signatures.
   * @default []
   */
  secrets?: Buffer[];
  /**
   * ed25519 public keys (decoded `whpk_` keys), checked against the `v1a` signatures.
   * @default []
   */
  publicKeys?: KeyObject[];
}

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /**
   * How far (seconds) the timestamp may be from `nowSeconds`, either way; `Infinity` skips the check.
   * @default 300
   */
  toleranceSeconds?: number;
  /**
   * The receiver's clock, Unix seconds.
   * @default Math.floor(Date.now() / 1000)
   */
  nowSeconds?: number;
}

/**
 * The `webhook-signature` header value for one try: `v1,<base64 HMAC-SHA256>` for each secret, then
 * `v1a,<base64 ed25519>` for each signing key, space-separated, over `${id}.${timestampSeconds}.${body}`
 * (UTF-8). `''` when there are no keys. Sign the exact bytes that are sent: a re-serialized body does
 * not verify.
 *
 * @throws WebhookValidationError when the id contains "." or whitespace, or the timestamp is not whole seconds.
 */
export function signWebhook(
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
  keys: SigningKeys,
): string {
  const content = signedContent(id, timestampSeconds, body);
  const signatures: string[] = [];
  for (const secret of keys.secrets) {
    signatures.push(`v1,${createHmac('sha256', secret).update(content).digest('base64')}`);
  }
  for (const key of keys.signingKeys ?? []) {
    signatures.push(`v1a,${sign(null, content, key).toString('base64')}`);
  }
  return signatures.join(' ');
}

/**
 * The Standard Webhooks headers of one try: `webhook-id`, `webhook-timestamp` and, when there is at
 * least one key, `webhook-signature`. Keep `id` across retries and pass the time of each try.
 */
export function webhookHeaders(
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
  keys: SigningKeys,
): Record<string, string> {
  const signature = signWebhook(id, timestampSeconds, body, keys);
  const headers: Record<string, string> = {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestampSeconds),
  };
  if (signature !== '') headers[WEBHOOK_SIGNATURE_HEADER] = signature;
  return headers;
}

/**
 * Whether a received webhook carries a valid signature by one of the keys and a fresh timestamp: the
 * receiver's side, for the testing helpers and for applications that receive their own webhooks.
 * Header names are matched case-insensitively; unknown signature versions are skipped; never throws.
 */
export function verifyWebhook(
  body: string | Uint8Array,
  headers: Record<string, string | string[] | undefined>,
  keys: VerificationKeys,
  options: VerifyWebhookOptions = {},
): boolean {
  const id = header(headers, WEBHOOK_ID_HEADER);
  const timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (id === undefined || timestamp === undefined || signatures === undefined || !/^\d{1,15}$/.test(timestamp)) {
    return false;
  }
  const seconds = Number(timestamp);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_SECONDS;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - seconds) > tolerance) return false;
  let content: Buffer;
  try {
    content = signedContent(id, seconds, body);
  } catch {
    return false;
  }
  const expected = (keys.secrets ?? []).map((secret) => createHmac('sha256', secret).update(content).digest());
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0) continue;
    const version = entry.slice(0, comma);
    const signature = Buffer.from(entry.slice(comma + 1), 'base64');
    if (version === 'v1') {
      if (expected.some((mac) => mac.length === signature.length && timingSafeEqual(mac, signature))) return true;
    } else if (version === 'v1a') {
      if ((keys.publicKeys ?? []).some((key) => verifiesEd25519(content, key, signature))) return true;
    }
  }
  return false;
}

/**
 * The bytes that are signed: `${id}.${timestampSeconds}.${body}` in UTF-8 (a byte body is appended as is).
 *
 * @throws WebhookValidationError when the id or the timestamp could make the content ambiguous.
 */
export function signedContent(id: string, timestampSeconds: number, body: string | Uint8Array): Buffer {
  // The spec forbids "." in the id (else "a.1.x" could be re-split); whitespace and control characters
  // could not travel in a header.
  if (
    typeof id !== 'string' ||
    id.length === 0 ||
    id.length > MAX_WEBHOOK_ID_LENGTH ||
    !/^[\x21-\x2d\x2f-\x7e]+$/.test(id)
  ) {
    throw new WebhookValidationError(WEBHOOK_ID_HEADER, webhookIdReason(MAX_WEBHOOK_ID_LENGTH));
  }
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new WebhookValidationError(WEBHOOK_TIMESTAMP_HEADER, timestampReason());
  }
  const prefix = `${id}.${timestampSeconds}.`;
  if (typeof body === 'string') return Buffer.from(prefix + body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.concat([Buffer.from(prefix, 'utf8'), body]);
  throw new WebhookValidationError('body', bodyReason());
}

function verifiesEd25519(content: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, content, key, signature);
  } catch {
    return false; // not an ed25519 public key, or a malformed signature
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) {
      const value = headers[key];
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
}
