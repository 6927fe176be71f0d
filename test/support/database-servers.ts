import { DataSource, type DataSourceOptions } from 'typeorm';

/** The database servers the suites run against, besides SQLite (always there). */
export type ServerKind = 'postgres' | 'mariadb';

export const SERVER_OPTIONS: Record<ServerKind, DataSourceOptions> = {
  postgres: {
    type: 'postgres',
    host: process.env.WEBHOOKS_TEST_PG_HOST ?? '127.0.0.1',
    port: Number(process.env.WEBHOOKS_TEST_PG_PORT ?? 5432),
    username: process.env.WEBHOOKS_TEST_PG_USER ?? 'postgres',
    password: process.env.WEBHOOKS_TEST_PG_PASSWORD ?? '',
    database: process.env.WEBHOOKS_TEST_PG_DATABASE ?? 'test',
  },
  mariadb: {
    type: 'mariadb',
    host: process.env.WEBHOOKS_TEST_MYSQL_HOST ?? '127.0.0.1',
    port: Number(process.env.WEBHOOKS_TEST_MYSQL_PORT ?? 3306),
    username: process.env.WEBHOOKS_TEST_MYSQL_USER ?? 'root',
    password: process.env.WEBHOOKS_TEST_MYSQL_PASSWORD ?? '',
    database: process.env.WEBHOOKS_TEST_MYSQL_DATABASE ?? 'test',
  },
};

/** Prefix of the per-suite schemas (PostgreSQL) and databases (MariaDB) the tests create. */
export const ISOLATED_PREFIX = 'wh_t_';

/** Opens an administrative connection to a server, runs `fn`, and closes it. */
export async function withServer<T>(kind: ServerKind, fn: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource({ ...SERVER_OPTIONS[kind], connectTimeoutMS: 3000 } as DataSourceOptions);
  await dataSource.initialize();
  try {
    return await fn(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
