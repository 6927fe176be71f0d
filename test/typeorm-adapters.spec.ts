import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteConnectionOf } from '../lib/stores/typeorm/sqlite.adapter';
import { TransactionHooks } from '../lib/stores/typeorm/transaction.hooks';
import { describeEachDatabase } from './support/databases';

// What the TypeORM stores rely on beyond TypeORM's documented API, pinned so that an upgrade that changes it
// fails here, by name, rather than somewhere in delivery.

describe('the SQLite driver, as the stores use it', () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (n INTEGER)');
  });
  afterAll(() => dataSource.destroy());

  it('holds one better-sqlite3 connection, whose inTransaction follows TypeORM transactions', async () => {
    const connection = sqliteConnectionOf(dataSource);
    expect(connection.inTransaction).toBe(false);
    let inside: boolean | undefined;
    await dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO t (n) VALUES (1)');
      inside = connection.inTransaction;
    });
    expect(inside).toBe(true);
    expect(connection.inTransaction).toBe(false);
  });

  it('gives every caller the same query runner, so the open transaction is visible to all', async () => {
    let shared: boolean | undefined;
    await dataSource.transaction(async (manager) => {
      const other = dataSource.createQueryRunner();
      shared = other === manager.queryRunner && other.isTransactionActive;
    });
    expect(shared).toBe(true);
  });

  it('runs prepared statements and synchronous transactions on the connection', () => {
    const connection = sqliteConnectionOf(dataSource);
    const insert = connection.prepare('INSERT INTO t (n) VALUES (?)');
    expect(insert.reader).toBe(false);
    connection.transaction(() => insert.run(2))();
    const select = connection.prepare('SELECT COUNT(*) AS c FROM t WHERE n = ?');
    expect(select.reader).toBe(true);
    expect(select.all(2)).toEqual([{ c: 1 }]);
  });

  it('refuses a data source without a better-sqlite3 connection, saying what to use', () => {
    const fake = { driver: {}, options: { type: 'sqljs' } } as unknown as DataSource;
    expect(() => sqliteConnectionOf(fake)).toThrow(/Use the "better-sqlite3" driver/);
  });
});

describeEachDatabase('transaction hooks', (db) => {
  let dataSource: DataSource;
  let hooks: TransactionHooks;
  beforeAll(async () => {
    dataSource = new DataSource({ ...db.options });
    await dataSource.initialize();
    hooks = new TransactionHooks(dataSource);
  });
  afterAll(() => dataSource?.destroy());

  it('run on the outermost commit only, and drop what a rolled-back savepoint registered', async () => {
    const calls: string[] = [];
    await dataSource.transaction(async (outer) => {
      hooks.afterCommit(outer.queryRunner, () => calls.push('outer'));
      await outer
        .transaction(async (inner) => {
          hooks.afterCommit(inner.queryRunner, () => calls.push('rolled back'));
          throw new Error('roll the savepoint back');
        })
        .catch(() => undefined);
      await outer.transaction(async (inner) => {
        hooks.afterCommit(inner.queryRunner, () => calls.push('released'));
      });
      // A savepoint release is not a commit.
      expect(calls).toEqual([]);
    });
    expect(calls).toEqual(['outer', 'released']);
  });

  it('never run after a rollback, and at once without a transaction', async () => {
    const calls: string[] = [];
    await dataSource
      .transaction(async (manager) => {
        hooks.afterCommit(manager.queryRunner, () => calls.push('rolled back'));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    hooks.afterCommit(undefined, () => calls.push('now'));
    expect(calls).toEqual(['now']);
  });
});
