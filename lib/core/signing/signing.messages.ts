/**
 * The messages of the signing building blocks: secrets, signatures, the secret cipher and rotation.
 * Field reasons follow the field name (`secret must start with "whsec_"...`); the others say what to
 * configure.
 */

/** Reason: the value is not a string at all. */
export const notAStringReason = (expected: string): string => `must be a string (${expected})`;

/** Reason: the value lacks its Standard Webhooks prefix. */
export const missingPrefixReason = (prefix: string, what: string): string =>
  `must start with "${prefix}" followed by the base64 ${what}`;

/** Reason: what follows the prefix is not canonical standard base64. */
export const notBase64Reason = (prefix: string): string =>
  `must be "${prefix}" followed by standard base64 (A-Z a-z 0-9 + /, padded with "=" to a multiple of 4 characters)`;

/** Reason: an HMAC secret of the wrong size. */
export const secretLengthReason = (min: number, max: number, actual: number): string =>
  `must encode between ${min} and ${max} random bytes (it encodes ${actual}); generate one with generateWebhookSecret()`;

/** Reason: an ed25519 key of the wrong size. */
export const keyLengthReason = (allowed: string, actual: number): string =>
  `must encode ${allowed} (it encodes ${actual} bytes); generate a pair with generateSigningKeyPair()`;

/** Reason: a 64-byte signing key whose public half does not belong to its seed. */
export const keyPairMismatchReason = (): string =>
  'encodes a 64-byte seed and public key whose halves do not belong together; use the 32-byte seed alone';

/** Reason: the `webhook-id` cannot be signed unambiguously or sent as a header. */
export const webhookIdReason = (max: number): string =>
  `must be 1 to ${max} printable ASCII characters without spaces or "." (the signed content is "id.timestamp.body")`;

/** Reason: the `webhook-timestamp` is not whole Unix seconds. */
export const timestampReason = (): string =>
  'must be a whole, non-negative number of seconds since the Unix epoch (Math.floor(Date.now() / 1000))';

/** Reason: the body to sign is neither a string nor bytes. */
export const bodyReason = (): string => 'must be the exact request body: a string or a Buffer';

/** Reason: the stored-secret kind is unknown. */
export const secretKindReason = (kinds: readonly string[]): string =>
  `must be one of ${kinds.map((k) => `"${k}"`).join(', ')}`;

/** Reason: the rotation overlap is out of range. */
export const overlapReason = (maxMs: number): string =>
  `must be a whole number of milliseconds from 0 to ${maxMs} (7 days); 86400000 (24 hours) is the usual choice`;

/** Configuration: `secrets.encryptionKeys` is not a list. */
export const encryptionKeysListMessage = (option: string): string =>
  `WebhooksModule: option "${option}" must be a list of 32-byte keys, each "base64:<44 characters>", ` +
  `"hex:<64 hex digits>", 64 bare hex digits or bare base64; generate one with ` +
  `"node -e \\"console.log('base64:' + require('crypto').randomBytes(32).toString('base64'))\\"".`;

/** Configuration: one encryption key cannot be used (its value is never repeated in the message). */
export const encryptionKeyMessage = (option: string, problem: string): string =>
  `WebhooksModule: option "${option}" ${problem}. Each encryption key must be 32 random bytes written as ` +
  `"base64:<44 characters>", "hex:<64 hex digits>", 64 bare hex digits or bare base64; generate one with ` +
  `"node -e \\"console.log('base64:' + require('crypto').randomBytes(32).toString('base64'))\\"".`;

/** Configuration: the same key appears twice. */
export const duplicateEncryptionKeyMessage = (option: string, first: string): string =>
  `WebhooksModule: option "${option}" repeats the key already given as "${first}"; list each key once ` +
  `(the first one encrypts, all of them decrypt).`;

/** Decryption: the stored value names a format this version does not read. */
export const unsupportedCipherFormatMessage = (): string =>
  'A stored webhook secret is marked "enc:" but is not in the "enc:v1:<keyId>:<iv>:<ciphertext>:<tag>" format ' +
  'this version writes. It was written by a newer version or damaged; restore it from a backup or rotate the ' +
  "subscription's secret.";

/** Decryption: an encrypted value is met but no key is configured. */
export const noEncryptionKeysMessage = (keyId: string): string =>
  `A stored webhook secret is encrypted (key id "${keyId}") but no encryption keys are configured. Add the key ` +
  `it was encrypted with to the option "secrets.encryptionKeys".`;

/** Decryption: the key that encrypted the value is not configured. */
export const unknownEncryptionKeyMessage = (keyId: string, configured: readonly string[]): string =>
  `A stored webhook secret was encrypted with the key whose id is "${keyId}", which is not in the option ` +
  `"secrets.encryptionKeys" (configured key ids: ${configured.map((id) => `"${id}"`).join(', ')}). Add that key ` +
  `back to the list, after the first one (the first encrypts, all of them decrypt).`;

/** Decryption: authentication failed. */
export const tamperedSecretMessage = (keyId: string, context: string | undefined): string =>
  `A stored webhook secret (key id "${keyId}") failed authentication: it was altered, copied from another ` +
  `record${context === undefined ? '' : ` (expected context "${context}")`}, or the key listed under that id in ` +
  `"secrets.encryptionKeys" is not the one that encrypted it. Restore the value or rotate the subscription's secret.`;

/** Signing: a stored secret could not be turned into a key. */
export const unusableStoredSecretMessage = (index: number, kind: string, reason: string): string =>
  `The stored webhook secret at position ${index} (kind "${kind}") cannot be used: ${reason}. Rotate the ` +
  `subscription's secret to replace it.`;

/** Signing: a subscription's stored secret list is not a list of secrets. */
export const damagedSecretListMessage = (): string =>
  'The stored webhook secrets of this subscription are not a list of secrets (the column was changed or damaged), ' +
  "so its requests cannot be signed. Rotate the subscription's secret to replace them.";
