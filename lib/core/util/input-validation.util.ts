import { WebhookValidationError } from '../errors/webhooks.errors';
import { unstorableTextReason } from '../errors/webhooks.messages';
import { isStorableText } from './storable-text.util';

const DIALECT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** `null`/`undefined` → `null`; otherwise a non-empty string of at most `max` characters. */
export function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new WebhookValidationError(field, 'must be a string or null');
  if (value.length > max) throw new WebhookValidationError(field, `must be at most ${max} characters long`);
  if (value.trim() === '') throw new WebhookValidationError(field, 'must not be blank (use null for none)');
  if (!isStorableText(value)) throw new WebhookValidationError(field, unstorableTextReason());
  return value;
}

/** A dialect name: letters, digits, `_ . -`, at most 64 characters. */
export function dialectName(value: unknown, field = 'dialect'): string {
  if (value === undefined) return 'default';
  if (typeof value !== 'string' || !DIALECT_NAME.test(value)) {
    throw new WebhookValidationError(
      field,
      'must be a dialect name (letters, digits, "_", "." and "-", at most 64 characters)',
    );
  }
  return value;
}

/** A JSON object of at most 16 KiB, or null. */
export function metadataObject(value: unknown, field = 'metadata'): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new WebhookValidationError(field, 'must be a JSON object or null');
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new WebhookValidationError(field, 'must be serializable as JSON');
  }
  if (Buffer.byteLength(text) > 16_384) throw new WebhookValidationError(field, 'must be at most 16 KiB as JSON');
  return JSON.parse(text) as Record<string, unknown>;
}

/** Rejects fields that are not in `allowed`, naming the first one (a typo must not pass silently). */
export function rejectUnknownFields(input: object, allowed: readonly string[]): void {
  for (const key of Object.keys(input)) {
    if (allowed.includes(key)) continue;
    if (key === 'active') {
      throw new WebhookValidationError('active', 'cannot be set directly; use activate() or deactivate()');
    }
    throw new WebhookValidationError(key, `is not a known field (known: ${allowed.join(', ')})`);
  }
}
