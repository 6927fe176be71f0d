import type { DataSource } from 'typeorm';
import type { Statement, StatementResult } from './unit-of-work';

/** What the module uses of better-sqlite3's `Database`, the connection TypeORM's SQLite driver holds. */
export interface SqliteConnection {
  /** Whether a transaction is open on the connection (the application's, or ours). */
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
}

interface SqliteStatement {
  /** Whether the statement returns rows. */
  readonly reader: boolean;
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): { changes: number };
}

/**
 * The better-sqlite3 connection of a TypeORM SQLite data source (`driver.databaseConnection`, a public
 * property of TypeORM's SQLite drivers). TypeORM gives every caller this one connection; the module runs its
 * own units of work on it synchronously, between the application's transactions, so that neither can end up
 * inside the other. `test/typeorm-adapters.spec.ts` pins what this relies on.
 */
export function sqliteConnectionOf(dataSource: DataSource): SqliteConnection {
  const connection = (dataSource.driver as { databaseConnection?: unknown }).databaseConnection as
    SqliteConnection | undefined;
  if (!connection || typeof connection.prepare !== 'function' || typeof connection.transaction !== 'function') {
    throw new Error(
      `WebhooksModule: the SQLite data source has no better-sqlite3 connection (type "${String(dataSource.options.type)}"). ` +
        'Use the "better-sqlite3" driver for SQLite.',
    );
  }
  return connection;
}

/** Prepared statements of one connection, by SQL: the module's statements are few and run very often. */
export class SqliteStatements {
  private readonly prepared = new Map<string, SqliteStatement>();

  constructor(private readonly connection: SqliteConnection) {}

  /** Runs one statement at once on the connection. */
  exec({ sql, params }: Statement): StatementResult {
    let prepared = this.prepared.get(sql);
    if (!prepared) {
      prepared = this.connection.prepare(sql);
      if (this.prepared.size > 500) this.prepared.clear();
      this.prepared.set(sql, prepared);
    }
    // better-sqlite3 binds neither booleans nor undefined.
    const values = params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
    if (prepared.reader) {
      const rows = prepared.all(...values);
      return { rows, affected: rows.length };
    }
    return { rows: [], affected: prepared.run(...values).changes };
  }
}
