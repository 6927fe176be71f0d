import type { SqliteConnection } from './sqlite.adapter';
import { sqliteSettingsMessage } from './typeorm.messages';

/** What a SQLite connection is set to, as far as commit latency goes. */
export interface SqliteSettings {
  /** `PRAGMA journal_mode`: `wal`, `delete`, `memory` (in-memory databases) … */
  journalMode: string;
  /** `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  /** `PRAGMA busy_timeout` (ms). */
  busyTimeout: number;
}

/** Reads the connection's journal mode, synchronous level and busy timeout. */
export function sqliteSettingsOf(connection: SqliteConnection): SqliteSettings {
  const read = (pragma: string) => Object.values(connection.prepare(`PRAGMA ${pragma}`).all()[0] ?? {})[0];
  return {
    journalMode: String(read('journal_mode')).toLowerCase(),
    synchronous: Number(read('synchronous')),
    busyTimeout: Number(read('busy_timeout')),
  };
}

/**
 * What is wrong with a SQLite file database's settings for sending webhooks, or `undefined`. With TypeORM's
 * defaults (rollback journal, `synchronous = FULL`) every COMMIT waits for an fsync, and better-sqlite3
 * waits on the event loop: the application's transactions and the engine's claims and results queue
 * behind the disk (a p99 of hundreds of ms at a few hundred events/s on this project's benchmark). WAL with
 * `synchronous = NORMAL` is as safe against a process crash; without a busy timeout a second process
 * (a migration, a CLI) makes statements fail at once instead of waiting.
 */
export function sqliteSettingsProblem(settings: SqliteSettings, database: string): string | undefined {
  // An in-memory database has no disk to wait for, and no journal mode to choose.
  if (settings.journalMode === 'memory' || database === ':memory:' || database === '') return undefined;
  const problems: Parameters<typeof sqliteSettingsMessage>[1] = {};
  if (settings.journalMode !== 'wal') problems.journal = settings.journalMode;
  if (settings.synchronous >= 2) problems.synchronous = settings.synchronous === 2 ? 'FULL' : 'EXTRA';
  if (settings.busyTimeout <= 0) problems.busyTimeout = settings.busyTimeout;
  return Object.keys(problems).length === 0 ? undefined : sqliteSettingsMessage(database, problems);
}
