import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { invalidOptionMessage, unknownOptionMessage } from '../core/errors/webhooks.messages';

// The checks of the module's options: each names the option at fault (`delivery.timeout`,
// `subscriptions[2].owner`) and says what it should be, so that a mistake fails the application's startup
// with a message that points at it.

/** Throws the configuration error of an option that is not what it should be. */
export function fail(option: string, expected: string, actual: unknown): never {
  throw new WebhooksConfigurationError(invalidOptionMessage(option, expected, actual), option);
}

/**
 * Checks that an option is a plain object with none but the `known` keys (a misspelt option is an error,
 * not a silent default); it keeps its declared type.
 */
export function object<T extends object>(option: string, value: T, known?: readonly string[]): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(option || 'options', 'an object', value);
  }
  if (known) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        const name = option ? `${option}.${key}` : key;
        throw new WebhooksConfigurationError(unknownOptionMessage(name, known), name);
      }
    }
  }
  return value;
}

export function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'true or false', value);
  return value;
}

export function string(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'a non-empty string', value);
  return value;
}

export function optionalString(option: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'a non-empty string', value);
  return value;
}

export function integer(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `a whole number from ${min} to ${max}`, value);
  }
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(option, allowed.map((a) => `"${a}"`).join(' or '), value);
  }
  return value as T;
}
