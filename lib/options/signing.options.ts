import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { invalidOptionMessage, unknownOptionMessage } from '../core/errors/webhooks.messages';
import { SecretCipher } from '../core/signing/secret.cipher';
import {
  DEFAULT_ROTATION_OVERLAP_MS,
  MAX_ROTATION_OVERLAP_MS,
  WEBHOOK_SECRET_KINDS,
  type WebhookSecretKind,
} from '../core/signing/subscription-secrets.util';

/** How subscription secrets are generated, rotated and stored (`forRoot({ secrets })`). */
export interface WebhookSecretsOptions {
  /**
   * Keys that encrypt stored secrets at rest (AES-256-GCM), each 32 random bytes written as
   * `base64:<44 characters>`, `hex:<64 hex digits>`, 64 bare hex digits or bare base64. The first
   * encrypts, all decrypt: rotate by putting a new key first. Empty: secrets are stored in plain text
   * (turning encryption on later is safe, plain values still read).
   * @default []
   */
  encryptionKeys?: string[];
  /**
   * How long (ms) a replaced secret keeps signing after a rotation, when the rotation does not say;
   * 0 to 7 days.
   * @default 86_400_000 (24 hours)
   */
  rotationOverlap?: number;
  /**
   * The kind of secret a new subscription gets when it does not bring one: `hmac` (`whsec_`, `v1`
   * signatures) or `ed25519` (`whsk_` key kept here, `whpk_` public key for receivers, `v1a` signatures).
   * @default 'hmac'
   */
  defaultKind?: WebhookSecretKind;
}

/** {@link WebhookSecretsOptions} validated, with the defaults applied. */
export interface ResolvedWebhookSecretsOptions {
  /** Encrypts and decrypts stored secrets (identity when no key is configured). */
  cipher: SecretCipher;
  /** The rotation overlap (ms) used when a rotation does not give one. */
  rotationOverlap: number;
  /** The kind of secret generated for a new subscription. */
  defaultKind: WebhookSecretKind;
}

/** The documented defaults of {@link WebhookSecretsOptions}. */
const WEBHOOK_SECRETS_DEFAULTS = {
  rotationOverlap: DEFAULT_ROTATION_OVERLAP_MS,
  defaultKind: 'hmac',
} as const;

const KNOWN = ['encryptionKeys', 'rotationOverlap', 'defaultKind'];

/**
 * Validates the `secrets` option and applies its defaults.
 *
 * @throws WebhooksConfigurationError naming the option at fault (`secrets.encryptionKeys[1]` ...).
 */
export function resolveSecretsOptions(raw: WebhookSecretsOptions | undefined): ResolvedWebhookSecretsOptions {
  const option = 'secrets';
  const value: unknown = raw ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WebhooksConfigurationError(invalidOptionMessage(option, 'an object', value), option);
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN.includes(key)) {
      throw new WebhooksConfigurationError(unknownOptionMessage(`${option}.${key}`, KNOWN), `${option}.${key}`);
    }
  }
  const options = value as WebhookSecretsOptions;
  const overlap = options.rotationOverlap ?? WEBHOOK_SECRETS_DEFAULTS.rotationOverlap;
  if (
    typeof overlap !== 'number' ||
    !Number.isSafeInteger(overlap) ||
    overlap < 0 ||
    overlap > MAX_ROTATION_OVERLAP_MS
  ) {
    const name = `${option}.rotationOverlap`;
    const expected = `a whole number of milliseconds from 0 to ${MAX_ROTATION_OVERLAP_MS}`;
    throw new WebhooksConfigurationError(invalidOptionMessage(name, expected, overlap), name);
  }
  const kind = options.defaultKind ?? WEBHOOK_SECRETS_DEFAULTS.defaultKind;
  if (!(WEBHOOK_SECRET_KINDS as readonly unknown[]).includes(kind)) {
    const name = `${option}.defaultKind`;
    const expected = `one of ${WEBHOOK_SECRET_KINDS.map((k) => `"${k}"`).join(', ')}`;
    throw new WebhooksConfigurationError(invalidOptionMessage(name, expected, kind), name);
  }
  const cipher = new SecretCipher(options.encryptionKeys ?? []);
  return { cipher, rotationOverlap: overlap, defaultKind: kind };
}
