/**
 * Every message the module puts in an exception, kept in one place so that each says what went wrong
 * and how to fix it.
 */

export const invalidOptionMessage = (option: string, expected: string, actual: unknown): string =>
  `WebhooksModule: option "${option}" must be ${expected} (got ${describe(actual)}).`;

export const unknownOptionMessage = (option: string, known: readonly string[]): string =>
  `WebhooksModule: unknown option "${option}". Known options: ${known.join(', ')}. Check the spelling.`;

export const invalidFieldMessage = (field: string, reason: string): string => `${field} ${reason}`;

export const subscriptionNotFoundMessage = (id: string): string => `Webhook subscription "${id}" was not found.`;

export const attemptNotFoundMessage = (id: string): string => `Webhook delivery attempt "${id}" was not found.`;

export const configuredSubscriptionMessage = (id: string, action: string): string =>
  `Webhook subscription "${id}" is declared in WebhooksModule.forRoot({ subscriptions }); it cannot be ${action} at ` +
  `runtime. Change the module options instead, or declare it with "persistent: true" to manage it at runtime.`;

export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export const unstorableTextReason = (): string =>
  'must not contain NUL characters or unpaired UTF-16 surrogates (text a database cannot store as given)';
