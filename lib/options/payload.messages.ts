import { describe } from '../core/errors/webhooks.messages';

export const payloadRefusedMessage = (event: string, detail: string): string =>
  `Cannot serialize the payload of event "${event}": ${detail}`;

export const bigintDetail = (path: string): string =>
  `${path} is a BigInt; JSON has no BigInt. Convert it to a string (or a number when it is small enough) in a ` +
  "payload shaper, or with class-transformer's @Transform(({ value }) => value.toString()).";

export const nonFiniteDetail = (path: string, value: number): string =>
  `${path} is ${String(value)}; JSON has no NaN or Infinity (JSON.stringify would silently send null). ` +
  'Send null or a string instead.';

export const invalidDateDetail = (path: string): string =>
  `${path} is an invalid Date; it has no ISO 8601 form. Send null or a valid date.`;

export const circularDetail = (path: string, target: string): string =>
  `${path} refers back to ${target} (a circular reference). Leave the back-reference out with class-transformer's ` +
  '@Exclude(), or send a shaped payload without it.';

export const tooDeepDetail = (path: string): string =>
  `${path} is nested too deeply to serialize (or holds a circular reference through a property exposed with ` +
  '@Expose()). Send a flatter payload.';

export const nothingDetail = (path: string, value: unknown): string =>
  `${path} is ${typeof value === 'function' ? 'a function' : typeof value === 'symbol' ? 'a symbol' : 'undefined'}, ` +
  'which has no JSON form. Return a value from the event method (or pass one to dispatch), or shape the payload.';

export const mapKeyDetail = (path: string, key: unknown): string =>
  `${path} is a Map with the key ${describe(key)}; only string and number keys have a JSON form.`;

export const transformFailedDetail = (path: string, reason: string): string =>
  `class-transformer failed on ${path}: ${reason}`;

export const toJsonFailedDetail = (path: string, reason: string): string => `${path}.toJSON() threw: ${reason}`;

export const shaperThrewMessage = (shaper: string, event: string, dialect: string, reason: string): string =>
  `The payload shaper ${shaper} threw while shaping event "${event}" for dialect "${dialect}": ${reason}`;

export const shaperAsyncMessage = (shaper: string, event: string): string =>
  `The payload shaper ${shaper} returned a promise for event "${event}". Shapers must be synchronous: the body is ` +
  'rendered while the event is raised. Load what the payload needs before raising the event.';

export const envelopeFailedMessage = (dialect: string, event: string, reason: string): string =>
  `The envelope of dialect "${dialect}" failed for event "${event}": ${reason}`;

export const serializeFailedMessage = (dialect: string, event: string, reason: string): string =>
  `The serializer of dialect "${dialect}" failed for event "${event}": ${reason}`;

export const serializeNotTextMessage = (dialect: string, event: string, actual: unknown): string =>
  `The serializer of dialect "${dialect}" returned ${describe(actual)} for event "${event}"; it must return the ` +
  'body as a string.';

export const invalidShaperOptionMessage = (option: string, expected: string, actual: unknown): string =>
  `WebhooksModule: payload shaper option "${option}" must be ${expected} (got ${describe(actual)}).`;

export const unknownShaperKeyMessage = (option: string, known: readonly string[]): string =>
  `WebhooksModule: unknown payload shaper option "${option}". Known options: ${known.join(', ')}. Check the spelling.`;

export const shaperForUnknownDialectMessage = (option: string, dialect: string, known: readonly string[]): string =>
  `WebhooksModule: payload shaper option "${option}" names the dialect "${dialect}", which is not registered ` +
  `(known: ${known.join(', ')}). Register the dialect or fix the name.`;

export const shaperNotMethodMessage = (member: string, isStatic: boolean): string =>
  `@WebhookPayloadShaper() applies to instance methods of a provider; ${member} is ${isStatic ? 'static' : 'not a method'}. ` +
  'Move it to an instance method of an @Injectable() class.';

export const requestScopedShaperMessage = (className: string): string =>
  `WebhooksModule: ${className} has @WebhookPayloadShaper() methods but is request- or transient-scoped. Shapers ` +
  'run outside requests; make it a singleton provider.';

/** The reason carried by an unknown thrown value. */
export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : describe(error));
