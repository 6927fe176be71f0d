import type { ResultRow } from './scenario';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions, type EntitySchema } from 'typeorm';
import { SERVER_OPTIONS } from '../../test/support/database-servers';
import type { ClassLike } from '../../lib/core/util/class-like.util';

/** The databases the benchmark uses. */
export type BenchDatabaseKind = 'sqlite' | 'postgres';

/** An empty database of the benchmark's own (nothing opened on it yet), to drop when done. */
export interface IsolatedDatabase {
  kind: BenchDatabaseKind;
  /** Data source options (without entities) pointing at it. */
  options: DataSourceOptions;
  /** The server's version string (`SELECT version()` / `sqlite_version()`). */
  version: string;
  /** Removes the SQLite folder or drops the PostgreSQL schema (close every data source on it first). */
  drop(): Promise<void>;
}

/** A database of the benchmark's own with a data source open on it, to drop when done. */
export interface BenchDatabase {
  kind: BenchDatabaseKind;
  dataSource: DataSource;
  /** The server's version string (`SELECT version()` / `sqlite_version()`). */
  version: string;
  /** Closes the data source and removes the SQLite file or drops the PostgreSQL schema. */
  drop(): Promise<void>;
}

/**
 * How a SQLite database is set up: `'wal'` as the docs recommend (write-ahead logging, `synchronous =
 * NORMAL`), or `'typeorm-defaults'` (rollback journal, `synchronous = FULL`: every COMMIT waits for the disk).
 */
export type BenchSqliteSettings = 'wal' | 'typeorm-defaults';

/** The database is not there; the scenario is skipped with this reason (not a crash). */
export class BenchSkip extends Error {}

/** Prefix of the PostgreSQL schemas the benchmark creates (and drops). */
const SCHEMA_PREFIX = 'wh_bench_';

type EntityTarget = ClassLike | EntitySchema;

/**
 * Creates an empty database of the benchmark's own: a SQLite file in a temporary folder, or a fresh
 * schema in the PostgreSQL test server (127.0.0.1:5432, user postgres, database test, or the
 * `WEBHOOKS_TEST_PG_*` variables the test suite reads). Throws {@link BenchSkip} when PostgreSQL is not
 * reachable.
 */
export async function isolatedDatabase(
  kind: BenchDatabaseKind,
  sqlite: BenchSqliteSettings = 'wal',
): Promise<IsolatedDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-bench-db-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native module, loaded only for SQLite runs
    const Sqlite = require('better-sqlite3') as new (path: string) => {
      prepare(sql: string): { pluck(): { get(): string } };
      close(): void;
    };
    const probe = new Sqlite(':memory:');
    const version = probe.prepare('SELECT sqlite_version()').pluck().get();
    probe.close();
    return {
      kind,
      options: {
        type: 'better-sqlite3',
        database: join(dir, 'bench.sqlite'),
        ...(sqlite === 'wal'
          ? {
              enableWAL: true,
              prepareDatabase: (db: { pragma(source: string): unknown }) => {
                db.pragma('synchronous = NORMAL');
              },
            }
          : {}),
      },
      version: `SQLite ${version}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  const server = SERVER_OPTIONS.postgres as DataSourceOptions & { host: string; port: number; database: string };
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ ...server, connectTimeoutMS: 3000 } as DataSourceOptions);
  try {
    await admin.initialize();
  } catch (error) {
    throw new BenchSkip(
      `PostgreSQL is not reachable at ${server.host}:${server.port}/${server.database} ` +
        `(${error instanceof Error ? error.message : String(error)}); set WEBHOOKS_TEST_PG_* to point at one`,
    );
  }
  let version: string;
  try {
    [{ version }] = await admin.query('SELECT version() AS version');
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.destroy();
  }
  return {
    kind,
    options: { ...server, schema } as DataSourceOptions,
    version: version.split(' on ')[0],
    drop: async () => {
      const cleaner = new DataSource({ ...server, connectTimeoutMS: 3000 } as DataSourceOptions);
      await cleaner.initialize();
      try {
        await cleaner.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await cleaner.destroy();
      }
    },
  };
}

/**
 * Opens an empty database of the benchmark's own (see {@link isolatedDatabase}) with `entities`
 * synchronized.
 */
export async function openBenchDatabase(
  kind: BenchDatabaseKind,
  entities: EntityTarget[],
  sqlite: BenchSqliteSettings = 'wal',
): Promise<BenchDatabase> {
  const database = await isolatedDatabase(kind, sqlite);
  const dataSource = new DataSource({ ...database.options, entities, synchronize: true } as DataSourceOptions);
  try {
    await dataSource.initialize();
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    kind,
    dataSource,
    version: database.version,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.drop();
    },
  };
}

/**
 * Measures each of `setups` in turn; a database that is not there gives its row `skipped` (named by
 * `metric`) instead of ending the scenario.
 */
export async function measureEach<T>(
  scenario: string,
  setups: readonly T[],
  metric: (setup: T) => string,
  measure: (setup: T) => Promise<ResultRow[]>,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const setup of setups) {
    try {
      rows.push(...(await measure(setup)));
    } catch (error) {
      if (!(error instanceof BenchSkip)) throw error;
      rows.push({ scenario, metric: metric(setup), value: null, verdict: 'skipped', note: error.message });
    }
  }
  return rows;
}
