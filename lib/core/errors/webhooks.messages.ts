/**
 * Every message the module puts in an exception, kept in one place so that each says what went wrong
 * and how to fix it.
 */

export const invalidOptionMessage = (option: string, expected: string, actual: unknown): string =>
  `WebhooksModule: option "${option}" must be ${expected} (got ${describe(actual)}).`;

export const unknownOptionMessage = (option: string, known: readonly string[]): string =>
  `WebhooksModule: unknown option "${option}". Known options: ${known.join(', ')}. Check the spelling.`;

export const moduleShapingOptionMessage = (option: string): string =>
  `WebhooksModule: option "${option}" shapes the module (its providers and imports) and must be known before any ` +
  `provider runs. Pass it to forRootAsync({ ${option}, useFactory }) next to useFactory, not in the options the ` +
  `factory returns.`;

export const invalidFieldMessage = (field: string, reason: string): string => `${field} ${reason}`;

export const subscriptionNotFoundMessage = (id: string): string => `Webhook subscription "${id}" was not found.`;

export const attemptNotFoundMessage = (id: string): string => `Webhook delivery attempt "${id}" was not found.`;

export const configuredSubscriptionMessage = (id: string, action: string): string =>
  `Webhook subscription "${id}" is declared in WebhooksModule.forRoot({ subscriptions }); it cannot be ${action} at ` +
  `runtime. Change the module options instead, or declare it with "persistent: true" to manage it at runtime.`;

/** A value as an error message shows it: JSON where it can, cut after `maxLength` characters. */
export function describe(value: unknown, maxLength = 80): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > maxLength ? `${value.slice(0, maxLength)}…` : value);
  }
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value) as string | undefined;
    // JSON has nothing to show for a symbol (or an object whose toJSON() gives undefined): its own text then.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the last resort, on purpose
    if (text === undefined) return String(value);
    return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export const unstorableTextReason = (): string =>
  'must not contain NUL characters or unpaired UTF-16 surrogates (text a database cannot store as given)';
