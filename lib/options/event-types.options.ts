import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { unknownOptionMessage } from '../core/errors/webhooks.messages';
import { fail } from './option-values.validation';
import { isEventName } from '../core/events/event-pattern.util';
import type { WebhookEventTypeDefinition } from './event-type.interface';

const ENTRY_KEYS = ['name', 'description', 'schema', 'payloadType', 'example', 'validate'] as const;

/** Longest description of an event type. */
const MAX_EVENT_TYPE_DESCRIPTION_LENGTH = 1024;

/**
 * Validates `forRoot({ eventTypes })`: a list of `{ name, description?, schema? }` with distinct event
 * names. Mistakes name the entry (`eventTypes[2].name`).
 */
export function resolveEventTypes(value: unknown): WebhookEventTypeDefinition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail('eventTypes', 'a list of { name, description?, schema? }', value);
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    const path = `eventTypes[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      fail(path, 'an object { name, description?, schema? }', entry);
    for (const key of Object.keys(entry)) {
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
        throw new WebhooksConfigurationError(unknownOptionMessage(`${path}.${key}`, ENTRY_KEYS), `${path}.${key}`);
      }
    }
    const { name, description, schema, payloadType, example, validate } = entry as Record<string, unknown>;
    if (!isEventName(name)) fail(`${path}.name`, 'an event name of the form "noun.verb", e.g. "contact.create"', name);
    if (seen.has(name)) fail(`${path}.name`, 'listed once only', name);
    seen.add(name);
    if (
      description !== undefined &&
      (typeof description !== 'string' || description.length > MAX_EVENT_TYPE_DESCRIPTION_LENGTH)
    ) {
      fail(`${path}.description`, `a string of at most ${MAX_EVENT_TYPE_DESCRIPTION_LENGTH} characters`, description);
    }
    if (schema !== undefined && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
      fail(`${path}.schema`, 'a JSON schema object', schema);
    }
    if (payloadType !== undefined && typeof payloadType !== 'function')
      fail(`${path}.payloadType`, 'a class (with class-validator or @nestjs/swagger decorators)', payloadType);
    if (validate !== undefined && validate !== 'off' && validate !== 'strict')
      fail(`${path}.validate`, '"strict" or "off"', validate);
    return {
      name,
      ...(description === undefined ? {} : { description }),
      ...(schema === undefined ? {} : { schema: schema as Record<string, unknown> }),
      ...(payloadType === undefined
        ? {}
        : { payloadType: payloadType as NonNullable<WebhookEventTypeDefinition['payloadType']> }),
      ...(example === undefined ? {} : { example }),
      ...(validate === undefined ? {} : { validate: validate }),
    };
  });
}
