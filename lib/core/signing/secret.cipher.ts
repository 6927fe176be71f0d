import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { WebhooksConfigurationError } from '../errors/webhooks.errors';
import {
  duplicateEncryptionKeyMessage,
  encryptionKeyMessage,
  encryptionKeysListMessage,
  noEncryptionKeysMessage,
  tamperedSecretMessage,
  unknownEncryptionKeyMessage,
  unsupportedCipherFormatMessage,
} from './signing.messages';
import { WebhookSecretDecryptionError } from '../errors/signing.errors';

/** The option the encryption keys come from, named in configuration errors. */
const ENCRYPTION_KEYS_OPTION = 'secrets.encryptionKeys';

/** Marks a stored value as encrypted; anything else is read as plain text. */
const ENCRYPTED_PREFIX = 'enc:';

const FORMAT = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_LABEL = 'nestjs-webhooks secret-cipher key id';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface CipherKey {
  id: string;
  key: Buffer;
}

/**
 * Encrypts webhook secrets at rest with AES-256-GCM, so that a copy of the database alone does not
 * let anyone sign webhooks.
 *
 * Keys (option `secrets.encryptionKeys`) are 32 random bytes each, written as `base64:<44 characters>`,
 * `hex:<64 hex digits>`, 64 bare hex digits, or bare standard base64. The first key encrypts; every key
 * decrypts, so a key is rotated by putting the new one first and keeping the old ones until every stored
 * value was re-encrypted ({@link SecretCipher.needsReencryption}).
 *
 * Stored format: `enc:v1:<keyId>:<iv>:<ciphertext>:<tag>`, the last three base64url. `keyId` is the
 * first 48 bits of HMAC-SHA256(key, a fixed label) in base64url: it tells which key to use and reveals
 * nothing about it. The authenticated data binds the format, the key id and an optional `context`
 * (e.g. the subscription id), so a value copied into another record does not decrypt.
 *
 * Values without the `enc:` prefix pass through {@link SecretCipher.decrypt} unchanged: encryption can
 * be turned on for a database that already holds plain secrets.
 */
export class SecretCipher {
  private readonly keys: CipherKey[];

  /**
   * @param keys The encryption keys, first one encrypting.
   * @throws WebhooksConfigurationError naming `secrets.encryptionKeys[i]` for a malformed or repeated key.
   */
  constructor(keys: readonly string[]) {
    if (!Array.isArray(keys)) {
      throw new WebhooksConfigurationError(encryptionKeysListMessage(ENCRYPTION_KEYS_OPTION), ENCRYPTION_KEYS_OPTION);
    }
    this.keys = keys.map((value, index) => {
      const option = `${ENCRYPTION_KEYS_OPTION}[${index}]`;
      const key = parseKey(value, option);
      return { id: keyIdOf(key), key };
    });
    this.keys.forEach((entry, index) => {
      const first = this.keys.findIndex((other) => other.key.equals(entry.key));
      if (first !== index) {
        throw new WebhooksConfigurationError(
          duplicateEncryptionKeyMessage(`${ENCRYPTION_KEYS_OPTION}[${index}]`, `${ENCRYPTION_KEYS_OPTION}[${first}]`),
          `${ENCRYPTION_KEYS_OPTION}[${index}]`,
        );
      }
    });
  }

  /** A cipher without keys: {@link SecretCipher.encrypt} stores plain text, encrypted values cannot be read. */
  static none(): SecretCipher {
    return new SecretCipher([]);
  }

  /** Whether a stored value is encrypted (has the `enc:` prefix). */
  static isEncrypted(stored: string): boolean {
    return stored.startsWith(ENCRYPTED_PREFIX);
  }

  /** Whether keys are configured (values are then stored encrypted). */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The ids of the configured keys, the encrypting one first (safe to log). */
  get keyIds(): string[] {
    return this.keys.map((entry) => entry.id);
  }

  /**
   * The value to store for `plain`: encrypted with the first key, or `plain` itself when no key is configured.
   *
   * @param context Bound into the ciphertext; the same value must be given to {@link SecretCipher.decrypt}.
   * @default context undefined (not bound to a record)
   */
  encrypt(plain: string, context?: string): string {
    const primary = this.keys[0];
    if (primary === undefined) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', primary.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(primary.id, context));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [`${ENCRYPTED_PREFIX}${FORMAT}`, primary.id, b64url(iv), b64url(ciphertext), b64url(tag)].join(':');
  }

  /**
   * The plain text of a stored value; values without the `enc:` prefix are returned unchanged.
   *
   * @param context The context given to {@link SecretCipher.encrypt}.
   * @default context undefined
   * @throws WebhookSecretDecryptionError naming the key id to configure, or saying the value was altered.
   */
  decrypt(stored: string, context?: string): string {
    if (!SecretCipher.isEncrypted(stored)) return stored;
    const parts = stored.split(':');
    if (parts.length !== 6 || parts[1] !== FORMAT)
      throw new WebhookSecretDecryptionError(unsupportedCipherFormatMessage());
    const [, , keyId, ivText, ciphertextText, tagText] = parts as [string, string, string, string, string, string];
    const entry = this.keys.find((candidate) => candidate.id === keyId);
    if (entry === undefined) {
      throw new WebhookSecretDecryptionError(
        this.enabled ? unknownEncryptionKeyMessage(keyId, this.keyIds) : noEncryptionKeysMessage(keyId),
        keyId,
      );
    }
    const iv = fromB64url(ivText);
    const tag = fromB64url(tagText);
    const ciphertext = fromB64url(ciphertextText);
    if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined) {
      throw new WebhookSecretDecryptionError(tamperedSecretMessage(keyId, context), keyId);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(keyId, context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new WebhookSecretDecryptionError(tamperedSecretMessage(keyId, context), keyId);
    }
  }

  /**
   * Whether a stored value should be rewritten: it is plain while keys are configured, or it was
   * encrypted with a key other than the first. A background job can rewrite such values with
   * {@link SecretCipher.reencrypt} and then the old keys can be removed.
   */
  needsReencryption(stored: string): boolean {
    const primary = this.keys[0];
    if (primary === undefined) return false;
    return !stored.startsWith(`${ENCRYPTED_PREFIX}${FORMAT}:${primary.id}:`);
  }

  /**
   * The stored value re-encrypted with the first key (unchanged when it already is).
   *
   * @param context The context the value was encrypted with, which the new value is bound to as well.
   * @default context undefined
   */
  reencrypt(stored: string, context?: string): string {
    return this.needsReencryption(stored) ? this.encrypt(this.decrypt(stored, context), context) : stored;
  }
}

function parseKey(value: unknown, option: string): Buffer {
  if (typeof value !== 'string') {
    throw new WebhooksConfigurationError(encryptionKeyMessage(option, 'is not a string'), option);
  }
  let key: Buffer | undefined;
  if (value.startsWith('hex:')) {
    key = HEX_KEY.test(value.slice(4)) ? Buffer.from(value.slice(4), 'hex') : undefined;
  } else if (value.startsWith('base64:')) {
    key = strictBase64(value.slice(7));
  } else if (HEX_KEY.test(value)) {
    key = Buffer.from(value, 'hex');
  } else {
    key = strictBase64(value);
  }
  if (key === undefined) {
    throw new WebhooksConfigurationError(encryptionKeyMessage(option, 'is neither hex nor standard base64'), option);
  }
  if (key.length !== KEY_BYTES) {
    const problem = `encodes ${key.length} bytes instead of ${KEY_BYTES}`;
    throw new WebhooksConfigurationError(encryptionKeyMessage(option, problem), option);
  }
  return key;
}

function strictBase64(text: string): Buffer | undefined {
  if (text === '' || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function keyIdOf(key: Buffer): string {
  return b64url(createHmac('sha256', key).update(KEY_ID_LABEL).digest().subarray(0, 6));
}

function additionalData(keyId: string, context: string | undefined): Buffer {
  // Length-prefixing the context keeps (keyId, context) pairs from colliding.
  const bound = context ?? '';
  return Buffer.from(`${ENCRYPTED_PREFIX}${FORMAT}:${keyId}:${bound.length}:${bound}`, 'utf8');
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function fromB64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  return Buffer.from(text, 'base64url');
}
