import { describe } from '../core/errors/webhooks.messages';
import { DIALECT_NAME_PATTERN, RESERVED_DIALECT_HEADERS, WEBHOOK_HTTP_METHODS } from '../core/dialect.constants';

/** The reason (after the field name) given when a subscription names a dialect nobody registered. */
export const unknownDialectReason = (known: readonly string[]): string =>
  `is not a known dialect (known: ${known.join(', ')}). Register it in WebhooksModule.forRoot({ dialects }) or with ` +
  `@WebhookDialect('name') on a provider, or use one of the known names`;

export const invalidDialectOptionMessage = (option: string, expected: string, actual: unknown): string =>
  `WebhooksModule: dialect option "${option}" must be ${expected} (got ${describe(actual)}).`;

export const dialectNameExpectation = (): string =>
  `a dialect name matching ${String(DIALECT_NAME_PATTERN)} (letters, digits, "_", "." and "-", at most 64 characters)`;

export const methodExpectation = (): string => `one of ${WEBHOOK_HTTP_METHODS.join(', ')} (methods that carry a body)`;

export const unknownDialectKeyMessage = (option: string, known: readonly string[]): string =>
  `WebhooksModule: unknown dialect option "${option}". Known options: ${known.join(', ')}. Check the spelling.`;

export const duplicateDialectMessage = (name: string, option: string, previous: string): string =>
  `WebhooksModule: dialect "${name}" (${option}) is registered twice: ${previous} already uses the name. ` +
  `Give each dialect its own name; a class extending another dialect class needs its own @WebhookDialect('name').`;

export const reservedHeaderMessage = (option: string, header: string): string =>
  `WebhooksModule: dialect option "${option}" may not set the "${header}" header. ` +
  (header === 'content-type'
    ? 'Use the dialect\'s "contentType" option instead.'
    : header === 'user-agent'
      ? 'Use the dialect\'s "userAgent" option instead.'
      : `The sender sets it (reserved: ${RESERVED_DIALECT_HEADERS.join(', ')}).`);

export const duplicateHeaderMessage = (option: string, header: string): string =>
  `WebhooksModule: dialect option "${option}" sets the "${header}" header twice (header names are case-insensitive). ` +
  'Keep one.';

export const dialectNameMismatchMessage = (className: string, decorated: string, property: unknown): string =>
  `WebhooksModule: ${className} is decorated @WebhookDialect('${decorated}') but its "name" property is ` +
  `${describe(property)}. Remove the property or make both the same.`;

export const dialectClassNeedsInjectionMessage = (option: string, className: string): string =>
  `WebhooksModule: dialect option "${option}" is the class ${className}, whose constructor takes parameters. ` +
  `Add ${className} to a module's providers so that Nest injects them (it is then used from there), or give it a ` +
  'constructor without parameters.';

export const requestScopedDialectMessage = (className: string): string =>
  `WebhooksModule: the dialect ${className} is request- or transient-scoped. Dialects are used outside requests; ` +
  'make it a singleton provider.';

export const invalidComputedHeaderMessage = (dialect: string, header: string, reason: string): string =>
  `Dialect "${dialect}" computed the header "${header}", which ${reason}. Fix the dialect's headers() function.`;

export const computedHeadersFailedMessage = (dialect: string, reason: string): string =>
  `Dialect "${dialect}" could not compute its headers: ${reason}`;

export const unknownStaticDialectMessage = (index: number, name: string, known: readonly string[]): string =>
  `WebhooksModule: option "subscriptions[${index}].dialect" names "${name}", which is not a known dialect ` +
  `(known: ${known.join(', ')}). Register it in forRoot({ dialects }) or with @WebhookDialect().`;
