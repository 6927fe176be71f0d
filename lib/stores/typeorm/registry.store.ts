import { Inject, Injectable } from '@nestjs/common';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { WEBHOOK_ENTITIES } from '../../entities';
import { WebhookRegistryChange, WebhookRegistryState } from '../../entities/webhook-registry-state.entity';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import { entitiesNotRegisteredMessage, tablesMissingMessage, unsupportedDatabaseMessage } from '../../core/errors/webhooks.messages';
import { type Statement, statement, WebhooksDatabase, type Work } from './webhooks-database';
import { chunks } from '../../core/util/chunks.util';
import { databaseKind } from './database-kind.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';

const STATE_ID = 1;

/**
 * Counts registry changes made in this process, by any application: a SQLite version read shared within
 * one turn of the event loop is only reused while this has not moved.
 */
let registryEpoch = 0;

/** Says that a registry change was made (or is being committed) in this process. */
export function registryChanged(): void {
  registryEpoch++;
}

/**
 * The database side of the registry: the version row, the change log and the subscription reads the
 * in-memory index is built from.
 */
@Injectable()
export class RegistryStore {
  private lastPrune = 0;
  private versionStatement?: Statement;
  private currentRead?: Promise<number>;
  private queuedRead?: Promise<number>;
  private turnRead?: { version: Promise<number>; epoch: number };
  private readonly dataSource: DataSource;

  constructor(
    private readonly db: WebhooksDatabase,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {
    this.dataSource = db.dataSource;
  }

  /** Fails with a message saying how to fix it when the database, the entities or their tables are wrong. */
  async verify(): Promise<void> {
    if (!databaseKind(this.dataSource)) {
      throw new WebhooksConfigurationError(unsupportedDatabaseMessage(String(this.dataSource.options.type)), 'dataSource');
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
  async ensureStateRow(): Promise<void> {
    await this.db.query(
      this.dataSource.createQueryBuilder().insert().into(WebhookRegistryState).values({ id: STATE_ID, version: 0 }).orIgnore(),
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
    registryChanged();
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
    return [...new Set(rows.map((row: { subscriptionId: string }) => row.subscriptionId))];
  }

  /** Every active subscription, for a full index load. */
  async loadActive(): Promise<WebhookSubscription[]> {
    const all: WebhookSubscription[] = [];
    for await (const page of this.activePages()) all.push(...page);
    return all;
  }

  /**
   * Every active subscription, a page at a time (keyset on the id): a large registry is loaded without
   * holding every raw row at once.
   */
  async *activePages(pageSize = 5_000, manager?: EntityManager): AsyncGenerator<WebhookSubscription[]> {
    let after = '';
    for (;;) {
      const query = this.db
        .select(WebhookSubscription, 's')
        .where('s.active = :active AND s.id > :after', { active: true, after })
        .orderBy('s.id')
        .limit(pageSize);
      const page = this.db.hydrate(WebhookSubscription, 's', (await this.db.query(query, manager)).rows);
      if (page.length > 0) yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].id;
    }
  }

  /** The given subscriptions as stored now (missing ones were deleted). */
  async loadByIds(ids: readonly string[], manager?: EntityManager): Promise<WebhookSubscription[]> {
    const found: WebhookSubscription[] = [];
    for (const chunk of chunks(ids, 500)) {
      const { rows } = await this.db.query(this.db.select(WebhookSubscription, 's').where({ id: In(chunk) }), manager);
      found.push(...this.db.hydrate(WebhookSubscription, 's', rows));
    }
    return found;
  }

  private versionQuery() {
    return this.dataSource
      .createQueryBuilder()
      .select('s.version', 'version')
      .from(WebhookRegistryState, 's')
      .where('s.id = :id', { id: STATE_ID });
  }
}
