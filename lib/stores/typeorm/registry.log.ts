import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { chunks } from '../../core/util/chunks.util';
import { WEBHOOK_ENTITIES } from '../../entities';
import { WebhookRegistryChange, WebhookRegistryState } from '../../entities/webhook-registry-state.entity';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import { databaseKind } from './database-kind.util';
import { entitiesNotRegisteredMessage, tablesMissingMessage, unsupportedDatabaseMessage } from './typeorm.messages';
import { type Statement, statement, type WebhooksDatabase, type Work } from './webhooks.database';

const STATE_ID = 1;

/**
 * Counts registry changes made in this process, by any application: a SQLite version read shared within
 * one turn of the event loop is only reused while this has not moved.
 */
let registryEpoch = 0;

/**
 * The registry's version row and change log: every change to a subscription bumps the version and logs
 * the subscription's id under it, in the change's transaction, so that every instance's in-memory index can
 * catch up with what others committed (by id, or by reloading when the log was pruned).
 */
export class RegistryLog {
  private lastPrune = 0;
  private versionStatement?: Statement;
  private currentRead?: Promise<number>;
  private queuedRead?: Promise<number>;
  private turnRead?: { version: Promise<number>; epoch: number };
  private readonly dataSource: DataSource;

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly options: Pick<ResolvedWebhooksOptions, 'clock' | 'registry' | 'dataSource'>,
  ) {
    this.dataSource = db.dataSource;
  }

  /** Fails with a message saying how to fix it when the database, the entities or their tables are wrong. */
  async prepare(): Promise<void> {
    await this.verify();
    await this.ensureStateRow();
    const problem = this.db.sqliteSettingsProblem();
    if (problem) new Logger('WebhooksModule').warn(problem);
  }

  private async verify(): Promise<void> {
    if (!databaseKind(this.dataSource)) {
      throw new WebhooksConfigurationError(
        unsupportedDatabaseMessage(String(this.dataSource.options.type)),
        'dataSource',
      );
    }
    for (const entity of WEBHOOK_ENTITIES) {
      if (!this.dataSource.hasMetadata(entity)) {
        throw new WebhooksConfigurationError(entitiesNotRegisteredMessage(this.options.dataSource), 'dataSource');
      }
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      for (const entity of WEBHOOK_ENTITIES) {
        const { tablePath, tableName } = this.dataSource.getMetadata(entity);
        if (!(await runner.hasTable(tablePath))) {
          throw new WebhooksConfigurationError(tablesMissingMessage(tableName), 'dataSource');
        }
      }
    } finally {
      await runner.release();
    }
  }

  /** Creates the version row if it is missing (databases built by `synchronize` have none). */
  private async ensureStateRow(): Promise<void> {
    await this.db.query(
      this.dataSource
        .createQueryBuilder()
        .insert()
        .into(WebhookRegistryState)
        .values({ id: STATE_ID, version: 0 })
        .orIgnore(),
    );
  }

  /**
   * The current registry version. Concurrent callers share reads (this is read before every match): a
   * caller joins a read that has not started yet, never one already under way — that one may have begun
   * before the caller's own change committed — so every caller sees every change committed before it asked.
   * Inside the caller's transaction (`manager`) it is read on that transaction's connection: asking the
   * pool for another one while the caller holds one would deadlock once the pool is exhausted.
   *
   * On SQLite the read is a synchronous statement, but outside a transaction each one takes and drops the
   * file lock, which made it the largest single cost of a dispatch: callers in the same turn of the event
   * loop share one read, as long as no registry change was made in this process meanwhile. A change
   * committed by another process within that turn is seen from the next turn on — nothing in this process
   * can have observed it earlier without I/O, which ends the turn.
   */
  readVersion(manager?: EntityManager): Promise<number> {
    if (manager?.queryRunner?.isTransactionActive) return this.queryVersion(manager);
    if (this.db.kind === 'sqlite') return this.readVersionThisTurn();
    if (this.queuedRead) return this.queuedRead;
    if (!this.currentRead) return (this.currentRead = this.startRead());
    const after = this.currentRead.then(
      () => undefined,
      () => undefined,
    );
    return (this.queuedRead = after.then(() => {
      this.queuedRead = undefined;
      return (this.currentRead = this.startRead());
    }));
  }

  private readVersionThisTurn(): Promise<number> {
    if (this.turnRead?.epoch === registryEpoch) return this.turnRead.version;
    const fresh = !this.turnRead;
    this.turnRead = { version: this.queryVersion(), epoch: registryEpoch };
    if (fresh) setImmediate(() => (this.turnRead = undefined));
    return this.turnRead.version;
  }

  private startRead(): Promise<number> {
    const read: Promise<number> = this.queryVersion().finally(() => {
      if (this.currentRead === read) this.currentRead = undefined;
    });
    return read;
  }

  private async queryVersion(manager?: EntityManager): Promise<number> {
    const { rows } = await this.db.query((this.versionStatement ??= statement(this.versionQuery())), manager);
    return rows.length ? Number(rows[0].version) : 0;
  }

  /**
   * Takes the version row lock until the transaction ends, without changing anything: a no-op update
   * locks the row on PostgreSQL and MySQL and takes the write lock on SQLite.
   */
  *lockRegistry(): Work<void> {
    const version = this.dataSource.driver.escape('version');
    yield statement(
      this.dataSource
        .createQueryBuilder()
        .update(WebhookRegistryState)
        .set({ version: () => version })
        .where('id = :id', { id: STATE_ID }),
    );
  }

  /**
   * Records that `ids` changed: bumps the version (holding the row lock until the transaction ends, which
   * orders concurrent writers the way they commit) and logs the ids under the new version.
   */
  *recordChanges(ids: readonly string[]): Work<number> {
    if (ids.length === 0) throw new Error('recordChanges needs at least one subscription id');
    registryEpoch++;
    const version = this.dataSource.driver.escape('version');
    yield statement(
      this.dataSource
        .createQueryBuilder()
        .update(WebhookRegistryState)
        .set({ version: () => `${version} + 1` })
        .where('id = :id', { id: STATE_ID }),
    );
    const { rows } = yield statement(this.versionQuery());
    const current = Number(rows[0].version);
    const now = this.options.clock.now();
    for (const chunk of chunks([...new Set(ids)], 300)) {
      yield statement(
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(WebhookRegistryChange)
          .values(chunk.map((subscriptionId) => ({ version: current, subscriptionId, changedAt: new Date(now) }))),
      );
    }
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      yield statement(
        this.dataSource
          .createQueryBuilder()
          .delete()
          .from(WebhookRegistryChange)
          .where('changed_at < :before', { before: now - this.options.registry.changeRetention }),
      );
    }
    return current;
  }

  /**
   * The ids changed after version `since` up to `until`, or `null` when the log no longer reaches back
   * to `since` (pruned): then the caller reloads everything. Every version logs at least one id, so the
   * log is complete exactly when it still holds version `since + 1`.
   */
  async changesSince(since: number, until: number, manager?: EntityManager): Promise<string[] | null> {
    if (until <= since) return [];
    const { rows } = await this.db.query(
      this.dataSource
        .createQueryBuilder()
        .select('c.version', 'version')
        .addSelect('c.subscription_id', 'subscriptionId')
        .from(WebhookRegistryChange, 'c')
        .where('c.version > :since AND c.version <= :until', { since, until })
        .orderBy('c.version', 'ASC'),
      manager,
    );
    if (rows.length === 0 || Number(rows[0].version) !== since + 1) return null;
    return [...new Set(rows.map((row) => row.subscriptionId as string))];
  }

  private versionQuery() {
    return this.dataSource
      .createQueryBuilder()
      .select('s.version', 'version')
      .from(WebhookRegistryState, 's')
      .where('s.id = :id', { id: STATE_ID });
  }
}
