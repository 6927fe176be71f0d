import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { ISOLATED_PREFIX, SERVER_OPTIONS, type ServerKind, withServer } from './database-servers';

/** The databases every persistence suite runs on. */
export type DatabaseKind = 'sqlite' | ServerKind;
export const ALL_DATABASES: readonly DatabaseKind[] = ['sqlite', 'postgres', 'mariadb'];

/** A database of its own for one suite: a SQLite file, a PostgreSQL schema or a MariaDB database. */
export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Data source options (without entities) pointing at the suite's own, empty database. */
  readonly options: DataSourceOptions;
  /** Creates one more isolated database of the same kind (dropped with the suite). */
  another(): Promise<DataSourceOptions>;
}

/**
 * Runs `fn` once per database, each time against a fresh isolated database that is dropped afterwards.
 * A server that is not reachable skips its suite outside CI (the global setup printed why) and fails the
 * run under CI.
 */
export function describeEachDatabase(
  title: string,
  fn: (db: TestDatabase) => void,
  kinds: readonly DatabaseKind[] = ALL_DATABASES,
): void {
  for (const kind of kinds) {
    const reason = kind === 'sqlite' ? undefined : inject('unavailableServers')[kind];
    const suite = reason ? describe.skip : describe;
    suite(`${title} [${kind}]${reason ? ` (skipped: ${reason})` : ''}`, () => {
      const created: Array<() => Promise<void>> = [];
      let current: DataSourceOptions | undefined;
      const db: TestDatabase = {
        kind,
        get options() {
          if (!current) throw new Error('the test database is created in beforeAll');
          return current;
        },
        async another() {
          const { options, drop } = await createIsolated(kind);
          created.push(drop);
          return options;
        },
      };
      beforeAll(async () => {
        current = await db.another();
      });
      afterAll(async () => {
        for (const drop of created.splice(0)) await drop();
      });
      fn(db);
    });
  }
}

async function createIsolated(kind: DatabaseKind): Promise<{ options: DataSourceOptions; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-'));
    return {
      options: { type: 'better-sqlite3', database: join(dir, 'test.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `${ISOLATED_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (kind === 'postgres') {
    await withServer(kind, (ds) => ds.query(`CREATE SCHEMA "${name}"`));
    return {
      options: { ...SERVER_OPTIONS.postgres, schema: name } as DataSourceOptions,
      drop: () => withServer(kind, (ds) => ds.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)),
    };
  }
  await withServer(kind, (ds) => ds.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`));
  return {
    options: { ...SERVER_OPTIONS.mariadb, database: name } as DataSourceOptions,
    drop: () => withServer(kind, (ds) => ds.query(`DROP DATABASE IF EXISTS \`${name}\``)),
  };
}
