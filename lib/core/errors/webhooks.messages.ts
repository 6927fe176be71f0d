/**
 * Every message the module puts in an exception, kept in one place so that each says what went wrong
 * and how to fix it.
 */

export const invalidOptionMessage = (option: string, expected: string, actual: unknown): string =>
  `WebhooksModule: option "${option}" must be ${expected} (got ${describe(actual)}).`;

export const unknownOptionMessage = (option: string, known: readonly string[]): string =>
  `WebhooksModule: unknown option "${option}". Known options: ${known.join(', ')}. Check the spelling.`;

export const entitiesNotRegisteredMessage = (dataSourceName: string): string =>
  `WebhooksModule: the TypeORM data source "${dataSourceName}" does not know the webhook entities. ` +
  `Add "autoLoadEntities: true" to TypeOrmModule.forRoot(), or add ...WEBHOOK_ENTITIES to its "entities", ` +
  `or pass forRoot({ dataSource: '<name>' }) naming the data source that has them.`;

export const tablesMissingMessage = (table: string): string =>
  `WebhooksModule: the table "${table}" does not exist. Run the module's migrations ` +
  `(add ...WEBHOOK_MIGRATIONS to the data source's "migrations" and run them, e.g. "migrationsRun: true") ` +
  `or enable "synchronize" in development.`;

export const unsupportedDatabaseMessage = (type: string): string =>
  `WebhooksModule: TypeORM databases of type "${type}" are not supported. Use SQLite (better-sqlite3), ` +
  `PostgreSQL or MySQL/MariaDB for the webhooks data source.`;

export const axiosTransportUnavailableMessage = (): string =>
  `WebhooksModule: delivery.transport is "axios" but no HttpService was found. Install @nestjs/axios and axios ` +
  `and import HttpModule in the module that imports WebhooksModule (or use the default "undici" transport).`;

export const unknownStaticDialectMessage = (index: number, name: string, known: readonly string[]): string =>
  `WebhooksModule: option "subscriptions[${index}].dialect" names "${name}", which is not a known dialect ` +
  `(known: ${known.join(', ')}). Register it in forRoot({ dialects }) or with @WebhookDialect().`;

export const invalidFieldMessage = (field: string, reason: string): string => `${field} ${reason}`;

export const subscriptionNotFoundMessage = (id: string): string =>
  `Webhook subscription "${id}" was not found.`;

export const attemptNotFoundMessage = (id: string): string => `Webhook delivery attempt "${id}" was not found.`;

export const transientSubscriptionMessage = (id: string, action: string): string =>
  `Webhook subscription "${id}" is a static, in-memory subscription configured in WebhooksModule.forRoot(); ` +
  `it cannot be ${action} at runtime. Change the module options instead, or use "persistent: true".`;

export const outOfScopeMessage = (id: string, scope: string): string =>
  `Webhook subscription "${id}" is not in scope "${scope}".`;

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
