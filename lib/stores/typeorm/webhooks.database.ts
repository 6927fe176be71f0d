import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type {
  DataSource,
  EntityManager,
  EntityMetadata,
  ObjectLiteral,
  QueryRunner,
  SelectQueryBuilder,
} from 'typeorm';
import { WEBHOOKS_DATA_SOURCE } from '../../core/webhooks.constants';
import { databaseKind, type DatabaseKind } from './database-kind.util';
import { type SqliteConnection, sqliteConnectionOf, SqliteStatements } from './sqlite.adapter';
import { sqliteSettingsOf, sqliteSettingsProblem } from './sqlite-settings.check';
import { TransactionHooks } from './transaction.hooks';
import { CONFLICT_RETRIES, conflictBackoff, isConnectionLost, isTransientConflict } from './transient-conflict.util';
import {
  drive,
  driveAsync,
  type Renderable,
  type Row,
  type Statement,
  statement,
  type StatementResult,
  type Work,
} from './unit-of-work';

export { statement, type Statement, type StatementResult, type Work } from './unit-of-work';

/**
 * The engine's units of work run one at a time per lane, each lane on a connection of its own: claiming
 * due attempts, and everything else (results, trims, lease renewals, subscription changes of reactions).
 */
export type EngineLane = 'claims' | 'results';

interface EngineLaneState {
  queue: Promise<void>;
  runner?: QueryRunner;
  /** Whether the lane keeps its connection between units (else it takes one from the pool per unit). */
  keep: boolean;
}

/**
 * Runs the module's own reads and writes.
 *
 * On PostgreSQL and MySQL a unit of work runs in a transaction of its own, or in the caller's when a
 * transactional `manager` is given. On SQLite TypeORM shares one connection between every caller, so an
 * asynchronous transaction of ours could swallow, or be swallowed by, an application transaction in
 * progress. There a unit of work waits until the connection has no transaction open and then runs from
 * BEGIN to COMMIT synchronously on the driver, so that nothing can interleave with it.
 */
@Injectable()
export class WebhooksDatabase implements OnApplicationShutdown {
  /** The database family, for the few statements that differ. */
  readonly kind: DatabaseKind;
  private readonly lanes: Record<EngineLane, EngineLaneState> = {
    // Claims take a pooled connection per unit and give it back: a pool as small as two connections still
    // leaves one to the application.
    claims: { queue: Promise.resolve(), keep: false },
    results: { queue: Promise.resolve(), keep: true },
  };
  private readonly hooks: TransactionHooks;
  private sqliteState?: { connection: SqliteConnection; statements: SqliteStatements };

  constructor(@Inject(WEBHOOKS_DATA_SOURCE) readonly dataSource: DataSource) {
    this.kind = databaseKind(dataSource) ?? 'postgres';
    this.hooks = new TransactionHooks(dataSource);
  }

  /**
   * Calls `commit` once the transaction `runner` belongs to commits (see {@link transactionRunner}); at once
   * when there is none; never when it rolls back.
   */
  afterCommit(runner: QueryRunner | undefined, commit: () => void): void {
    this.hooks.afterCommit(runner, commit);
  }

  /**
   * Runs `work` atomically, for the application (`mode: 'join'`, the default) or for the engine (`'own'`).
   *
   * - With a `manager` whose transaction is open, the work joins that transaction.
   * - On SQLite, whose one connection TypeORM shares between all callers: in `'join'` mode the work joins a
   *   transaction open on the connection, exactly as every other statement issued meanwhile does (waiting
   *   would deadlock a caller that is inside it); {@link transactionRunner} tells whose commit to wait for.
   *   In `'own'` mode it waits until no transaction is open, then runs from BEGIN to COMMIT synchronously,
   *   so that nothing interleaves with it.
   * - Otherwise it runs in a transaction of its own.
   */
  async run<T>(work: () => Work<T>, manager?: EntityManager, mode: 'join' | 'own' = 'join'): Promise<T> {
    const runner = manager?.queryRunner;
    if (this.kind === 'sqlite') {
      const { connection, statements } = this.sqlite();
      const exec = (s: Statement) => statements.exec(s);
      if (connection.inTransaction && (mode === 'join' || runner?.isTransactionActive)) return drive(work(), exec);
      await this.whenSqliteIdle(connection);
      return connection.transaction(() => drive(work(), exec))();
    }
    if (runner?.isTransactionActive) return driveAsync(work(), (s) => execRunner(runner, s));
    const own = (m: EntityManager) => driveAsync(work(), (s) => execRunner(m.queryRunner!, s));
    // MySQL/MariaDB default to REPEATABLE READ, where InnoDB locks every row an UPDATE or locking read
    // looks at, and the gaps between them, until commit. The module's short transactions would then hold
    // rows and gaps that applications' outbox inserts and foreign-key checks need: waits, and deadlocks whose
    // victim is often the application's transaction. READ COMMITTED — PostgreSQL's default, which every unit
    // of work is written for — locks only the rows changed.
    // A transaction of our own that lost a race (deadlock victim) is run again: units of work are pure
    // generators, so a second run redoes exactly what the rolled-back one did. Joined transactions are the
    // caller's to retry.
    for (let attempt = 1; ; attempt++) {
      try {
        return this.kind === 'mysql'
          ? await this.dataSource.transaction('READ COMMITTED', own)
          : await this.dataSource.transaction(own);
      } catch (error) {
        if (attempt >= CONFLICT_RETRIES || !isTransientConflict(error)) throw error;
        await conflictBackoff(attempt);
      }
    }
  }

  /**
   * Runs engine work: never inside an application's transaction (see {@link run}). On PostgreSQL and MySQL
   * it runs on a connection of the engine's own per lane, one unit at a time per lane, so that the engine
   * never waits behind the application for a pooled connection (and never holds one the application waits
   * for). Claims have a lane of their own, on a pooled connection taken per claim: working off a backlog, the
   * next claim then runs while the last batch of results is written, instead of after it.
   */
  runOwn<T>(work: () => Work<T>, lane: EngineLane = 'results'): Promise<T> {
    if (this.kind === 'sqlite') return this.run(work, undefined, 'own');
    const state = this.lanes[lane];
    const next = state.queue.then(() => this.onEngineConnection(state, work));
    state.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const state of Object.values(this.lanes)) {
      await state.queue;
      const runner = state.runner;
      state.runner = undefined;
      if (runner && !runner.isReleased) await runner.release().catch(() => undefined);
    }
  }

  private async onEngineConnection<T>(state: EngineLaneState, work: () => Work<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const runner = (state.runner ??= this.dataSource.createQueryRunner());
      try {
        // READ COMMITTED is PostgreSQL's default; saying it would cost a round trip per transaction there.
        await runner.startTransaction(this.kind === 'mysql' ? 'READ COMMITTED' : undefined);
        try {
          const result = await driveAsync(work(), (s) => execRunner(runner, s));
          await runner.commitTransaction();
          if (!state.keep) {
            state.runner = undefined;
            await runner.release();
          }
          return result;
        } catch (error) {
          if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
          throw error;
        }
      } catch (error) {
        if (!isTransientConflict(error)) {
          // The connection may be the problem (a database restart closes it): the next unit gets a new one.
          state.runner = undefined;
          await runner.release().catch(() => undefined);
        }
        if (attempt >= CONFLICT_RETRIES || !(isTransientConflict(error) || isConnectionLost(error))) {
          if (!state.keep && state.runner) {
            state.runner = undefined;
            await runner.release().catch(() => undefined);
          }
          throw error;
        }
        if (isTransientConflict(error)) await conflictBackoff(attempt);
      }
    }
  }

  /**
   * The query runner whose transaction work run now in `'join'` mode becomes part of — the caller's, or on
   * SQLite the shared connection's while a transaction is open on it — so that what follows the work (index
   * updates, handing attempts to the engine) waits for its commit. `undefined` when the work commits at once.
   */
  transactionRunner(manager?: EntityManager): QueryRunner | undefined {
    if (manager?.queryRunner?.isTransactionActive) return manager.queryRunner;
    if (this.kind === 'sqlite' && this.sqlite().connection.inTransaction) {
      const shared = this.dataSource.createQueryRunner();
      return shared.isTransactionActive ? shared : undefined;
    }
    return undefined;
  }

  /**
   * Runs one statement: inside the transaction of `manager` when one is open, else on its own. On SQLite it
   * runs at once on the shared connection (it is meant for reads, which cannot deadlock).
   */
  async query(query: Renderable | Statement, manager?: EntityManager): Promise<StatementResult> {
    const s = 'sql' in query ? query : statement(query);
    if (this.kind === 'sqlite') return this.sqlite().statements.exec(s);
    const runner = manager?.queryRunner;
    if (runner && !runner.isReleased) return execRunner(runner, s);
    const own = this.dataSource.createQueryRunner();
    try {
      return await execRunner(own, s);
    } finally {
      await own.release();
    }
  }

  /** A query builder selecting every column of `entity` under `alias`, for {@link hydrate}. */
  select<E extends ObjectLiteral>(entity: new () => E, alias: string): SelectQueryBuilder<E> {
    const metadata = this.dataSource.getMetadata(entity);
    return this.dataSource
      .createQueryBuilder()
      .select(metadata.columns.map((c) => `${alias}.${c.propertyPath}`))
      .from<E>(entity, alias);
  }

  /** Builds entities from the raw rows of a {@link select} query, applying the driver's conversions and transformers. */
  hydrate<E extends ObjectLiteral>(entity: new () => E, alias: string, rows: readonly Row[]): E[] {
    const metadata = this.dataSource.getMetadata(entity);
    return rows.map((row) => hydrateRow(this.dataSource, metadata, entity, alias, row));
  }

  /**
   * What is wrong with a SQLite file database's journal, sync and busy-timeout settings for this load, or
   * `undefined` (also for PostgreSQL and MySQL).
   */
  sqliteSettingsProblem(): string | undefined {
    if (this.kind !== 'sqlite') return undefined;
    const { database } = this.dataSource.options as { database?: unknown };
    return sqliteSettingsProblem(
      sqliteSettingsOf(this.sqlite().connection),
      typeof database === 'string' ? database : '',
    );
  }

  private sqlite(): { connection: SqliteConnection; statements: SqliteStatements } {
    if (!this.sqliteState) {
      const connection = sqliteConnectionOf(this.dataSource);
      this.sqliteState = { connection, statements: new SqliteStatements(connection) };
    }
    return this.sqliteState;
  }

  private async whenSqliteIdle(connection: SqliteConnection): Promise<void> {
    // Wait for the application's transaction on the shared connection to end; it may take a while, so
    // back off gently rather than spin.
    for (let delay = 1; connection.inTransaction; delay = Math.min(delay * 2, 20)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function execRunner(runner: QueryRunner, { sql, params }: Statement): Promise<StatementResult> {
  const result = await runner.query(sql, params, true);
  const rows: Row[] = Array.isArray(result.records) ? (result.records as Row[]) : [];
  return { rows, affected: result.affected ?? rows.length };
}

function hydrateRow<E extends ObjectLiteral>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  entity: new () => E,
  alias: string,
  row: Row,
): E {
  const target = new entity() as Record<string, unknown>;
  for (const column of metadata.columns) {
    const key = `${alias}_${column.databaseName}`;
    const raw = key in row ? row[key] : row[column.databaseName];
    // The driver converts the raw value (JSON, booleans, numbers) and applies the column's transformer.
    target[column.propertyName] = dataSource.driver.prepareHydratedValue(raw, column);
  }
  return target as E;
}
