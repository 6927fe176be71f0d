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

export const sqliteSettingsMessage = (
  database: string,
  problems: { journal?: string; synchronous?: string; busyTimeout?: number },
): string => {
  const set = [
    problems.journal && `journal_mode = ${problems.journal}`,
    problems.synchronous && `synchronous = ${problems.synchronous}`,
    problems.busyTimeout !== undefined && `busy_timeout = ${problems.busyTimeout}`,
  ].filter(Boolean);
  const fixes: string[] = [];
  if (problems.journal || problems.synchronous)
    fixes.push(
      'every commit waits for the disk on the event loop, so your transactions and the webhook deliveries ' +
        'queue behind it under load: in TypeOrmModule.forRoot() set ' +
        (problems.journal ? '"enableWAL: true" and ' : '') +
        `"prepareDatabase: (db) => db.pragma('synchronous = NORMAL')" (as safe against a crash of the process)`,
    );
  if (problems.busyTimeout !== undefined)
    fixes.push(
      'a second connection to the file (a migration, a CLI, another instance) makes statements fail at once ' +
        'with SQLITE_BUSY instead of waiting: remove "timeout: 0" (better-sqlite3 waits 5000 ms by default)',
    );
  return (
    `WebhooksModule: the SQLite database "${database}" runs with ${set.join(', ')}: ${fixes.join('; ')}. ` +
    'See docs/multiple-instances.md.'
  );
};
