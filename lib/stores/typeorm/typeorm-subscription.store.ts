import { Inject, Injectable } from '@nestjs/common';
import { WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { WebhookSubscription, WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import type {
  SecretRotation,
  StaticSyncPlan,
  WebhookStoreContext,
  WebhookSubscriptionChange,
  WebhookSubscriptionPage,
  WebhookSubscriptionQuery,
  WebhookSubscriptionStates,
  WebhookSubscriptionStore,
} from '../subscription-store.interface';
import { RegistryLog } from './registry.log';
import { SubscriptionQueries } from './subscription.queries';
import { type Changes, SubscriptionWork } from './subscription.work';
import { WebhooksDatabase, type Work } from './webhooks.database';

/**
 * Subscriptions in the module's TypeORM tables (SQLite, PostgreSQL, MySQL/MariaDB), with the registry's
 * version and change log that keep every instance's index in step.
 *
 * Changes made outside a transaction commit at once. On SQLite, where TypeORM gives every caller one
 * connection, a change made while the application has a transaction open on it joins that transaction, like
 * every other statement issued meanwhile: it is announced when that transaction commits, and never if it
 * rolls back.
 */
@Injectable()
export class TypeOrmSubscriptionStore implements WebhookSubscriptionStore {
  readonly durable = true;
  private readonly listeners = new Set<(change: WebhookSubscriptionChange) => void>();
  private readonly log: RegistryLog;
  private readonly work: SubscriptionWork;
  private readonly queries: SubscriptionQueries;

  constructor(
    private readonly db: WebhooksDatabase,
    @Inject(WEBHOOKS_MODULE_OPTIONS) options: ResolvedWebhooksOptions,
  ) {
    this.log = new RegistryLog(db, options);
    this.work = new SubscriptionWork(db, this.log);
    this.queries = new SubscriptionQueries(db);
  }

  prepare(): Promise<void> {
    return this.log.prepare();
  }

  onChange(listener: (change: WebhookSubscriptionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async insert(subscriptions: readonly WebhookSubscription[]): Promise<void> {
    await this.write(
      () => this.work.insert(subscriptions),
      (changes) => changes,
    );
  }

  update(id: string, changes: Partial<WebhookSubscriptionFields>, now: number): Promise<WebhookSubscription> {
    return this.write(
      () => this.work.update(id, changes, now),
      (done) => done.changes,
    ).then((done) => done.next);
  }

  rotateSecrets<R>(id: string, rotate: SecretRotation<R>, now: number): Promise<R> {
    return this.write(
      () => this.work.rotate(id, rotate, now),
      (done) => done.changes,
    ).then((done) => done.result);
  }

  setActive(id: string, active: boolean, statusMessage: string, now: number): Promise<WebhookSubscription | null> {
    return this.write(
      () => this.work.setActive(id, active, statusMessage, now),
      (subscription) =>
        subscription === null
          ? []
          : [
              active
                ? { kind: 'activated', subscription }
                : { kind: 'deactivated', subscription, reason: statusMessage },
            ],
    );
  }

  delete(id: string): Promise<WebhookSubscription | null> {
    return this.write(
      () => this.work.delete(id),
      (subscription) => (subscription === null ? [] : [{ kind: 'deleted', subscription }]),
    );
  }

  pause(pauses: ReadonlyMap<string, number>): Promise<WebhookSubscription[]> {
    if (pauses.size === 0) return Promise.resolve([]);
    return this.own(
      () => this.work.pause(pauses),
      (paused) => paused.map((subscription) => ({ kind: 'paused', subscription })),
    );
  }

  addPreconditionFailures(counts: ReadonlyMap<string, number>): Promise<Array<{ id: string; total: number }>> {
    // Never in the caller's transaction: rolling it back must not undo the counts.
    return this.own(
      () => this.work.addPreconditionFailures(counts),
      () => [],
    );
  }

  syncStatic(plan: (stored: readonly WebhookSubscription[]) => StaticSyncPlan, now: number): Promise<StaticSyncPlan> {
    return this.own(
      () => this.work.syncStatic(plan, now),
      (done) => done.changes,
    ).then((done) => done.plan);
  }

  find(id: string): Promise<WebhookSubscription | null> {
    return this.queries.find(id);
  }

  findMany(ids: readonly string[], context?: WebhookStoreContext): Promise<WebhookSubscription[]> {
    return this.queries.findMany(ids, context?.manager);
  }

  list(query: WebhookSubscriptionQuery): Promise<WebhookSubscriptionPage> {
    return this.queries.list(query);
  }

  version(context?: WebhookStoreContext): Promise<number> {
    return this.log.readVersion(context?.manager);
  }

  changesSince(since: number, until: number, context?: WebhookStoreContext): Promise<readonly string[] | null> {
    return this.log.changesSince(since, until, context?.manager);
  }

  countStates(now: number): Promise<WebhookSubscriptionStates> {
    return this.queries.countStates(now);
  }

  activePages(context?: WebhookStoreContext): AsyncIterable<WebhookSubscription[]> {
    return this.queries.activePages(context?.manager);
  }

  /**
   * Runs a change for the application: joining the transaction open on SQLite's shared connection, if any,
   * and announcing it once that commits.
   */
  private async write<T>(work: () => Work<T>, changesOf: (result: T) => Changes): Promise<T> {
    const runner = this.db.transactionRunner();
    const result = await this.db.run(work);
    this.db.afterCommit(runner, () => this.announce(changesOf(result)));
    return result;
  }

  /** Runs a change of the module's own, in a transaction of its own, and announces it. */
  private async own<T>(work: () => Work<T>, changesOf: (result: T) => Changes): Promise<T> {
    const result = await this.db.runOwn(work);
    this.announce(changesOf(result));
    return result;
  }

  private announce(changes: Changes): void {
    for (const change of changes) for (const listener of this.listeners) listener(change);
  }
}
