/** What the TypeORM stores say when the data source cannot hold the module's tables: how to fix it. */

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
