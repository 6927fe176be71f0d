import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { DIALECT_NAME_PATTERN } from '../core/dialect.constants';
import { dialectNameExpectation } from './dialect.messages';
import { isEventPattern } from '../core/events/event-pattern.util';
import type {
  WebhookPayloadShaperDefinition,
  WebhookPayloadShaperOptions,
  WebhookPayloadTarget,
} from './payload-shaper.interface';
import { invalidShaperOptionMessage, unknownShaperKeyMessage } from './payload.messages';

/** Shaper options after validation. */
export interface NormalizedShaperOptions {
  for: WebhookPayloadTarget;
  event?: string;
  dialect?: string[];
}

const OPTION_KEYS = ['for', 'event', 'dialect'] as const;
const DEFINITION_KEYS = [...OPTION_KEYS, 'shape'] as const;

function fail(option: string, expected: string, actual: unknown): never {
  throw new WebhooksConfigurationError(invalidShaperOptionMessage(option, expected, actual), option);
}

/**
 * Validates the options of a shaper (`withShape`: a definition with its `shape` function), throwing a
 * {@link WebhooksConfigurationError} naming `option` and the field.
 */
export function validateShaperOptions(options: unknown, option: string, withShape: boolean): NormalizedShaperOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(option, 'an object', options);
  const known: readonly string[] = withShape ? DEFINITION_KEYS : OPTION_KEYS;
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new WebhooksConfigurationError(unknownShaperKeyMessage(`${option}.${key}`, known), `${option}.${key}`);
  }
  const { for: target, event, dialect } = options as WebhookPayloadShaperOptions;
  if (typeof target === 'string') {
    if (target.length === 0 || target.length > 255 || /\s/.test(target)) {
      fail(`${option}.for`, 'a resource type name (no spaces, at most 255 characters) or a class', target);
    }
  } else if (typeof target !== 'function') {
    fail(`${option}.for`, 'a resource type name or a class (undefined here often means a circular import)', target);
  }
  if (event !== undefined && !isEventPattern(event)) {
    fail(`${option}.event`, 'an event name or pattern: "noun.verb", "noun.*", "*.verb" or "*"', event);
  }
  let dialects: string[] | undefined;
  if (dialect !== undefined) {
    const list: unknown[] =
      typeof dialect === 'string' ? [dialect] : Array.isArray(dialect) ? [...(dialect as unknown[])] : [dialect];
    if (list.length === 0) fail(`${option}.dialect`, 'a dialect name or a non-empty list of them', dialect);
    list.forEach((name, index) => {
      if (typeof name !== 'string' || !DIALECT_NAME_PATTERN.test(name)) {
        fail(
          typeof dialect === 'string' ? `${option}.dialect` : `${option}.dialect[${index}]`,
          dialectNameExpectation(),
          name,
        );
      }
    });
    dialects = [...new Set(list as string[])];
  }
  if (withShape && typeof (options as WebhookPayloadShaperDefinition).shape !== 'function') {
    fail(
      `${option}.shape`,
      'a function (object, context) => payload',
      (options as WebhookPayloadShaperDefinition).shape,
    );
  }
  return { for: target, ...(event !== undefined && { event }), ...(dialects && { dialect: dialects }) };
}
