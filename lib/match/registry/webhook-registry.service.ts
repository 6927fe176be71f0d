import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { scopeLineage } from '../../core/scopes/scope-path.util';
import { WebhookScope } from '../../core/scopes/webhook-scope.context';
import { WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import type { ActiveSubscriptions } from '../../pipeline/active-subscriptions.interface';
import {
  WEBHOOK_SUBSCRIPTION_STORE,
  type WebhookSubscriptionChange,
  type WebhookSubscriptionStore,
} from '../../stores/subscription-store.interface';
import { SubscriptionIndex } from './subscription.index';

/**
 * The scoped registries, as one in-memory index over every scope: finds the active subscriptions for an
 * event raised in a scope.
 *
 * The index follows the store: changes made through this instance apply as soon as they are committed, and
 * before matching the registry version is read (every `registry.syncInterval` ms, by default every time) and
 * the subscriptions changed by other instances are loaded again.
 */
@Injectable()
export class WebhookRegistry implements ActiveSubscriptions {
  private readonly logger = new Logger('WebhookRegistry');
  private index = new SubscriptionIndex();
  private version = -1;
  private lastSync = 0;
  private loading?: Promise<void>;
  private syncing?: Promise<void>;

  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {
    store.onChange((change) => this.apply(change));
  }

  /** The number of active subscriptions in the index. */
  get size(): number {
    return this.index.size;
  }

  /** The registry version the index reflects. */
  get loadedVersion(): number {
    return this.version;
  }

  /** (Re)builds the index from the store. */
  load(): Promise<void> {
    return (this.loading = this.rebuild());
  }

  /**
   * The active subscriptions an event reaches: those of `scope` and its ancestors, then those of the
   * ambient scope's lineage, each once. `manager`, the caller's transaction, is used to read the registry
   * version without taking another pooled connection.
   */
  async match(event: string, scope: string, manager?: EntityManager): Promise<readonly WebhookSubscription[]> {
    await this.sync(manager);
    return this.index.match(event, this.lineage(scope));
  }

  /** An active subscription from the index. */
  getActive(id: string): WebhookSubscription | undefined {
    return this.index.get(id);
  }

  /** Brings the index up to the store's registry version. */
  async sync(manager?: EntityManager): Promise<void> {
    if (this.version < 0) await (this.loading ??= this.rebuild(manager));
    const interval = this.options.registry.syncInterval;
    if (interval > 0 && this.options.clock.now() - this.lastSync < interval) return;
    const version = await this.store.version({ manager });
    this.lastSync = this.options.clock.now();
    if (version <= this.version) return;
    // One catch-up at a time; callers arriving meanwhile wait for it and then look again.
    while (this.syncing) await this.syncing;
    if (version <= this.version) return;
    this.syncing = this.catchUp(version, manager).finally(() => (this.syncing = undefined));
    await this.syncing;
  }

  private apply(change: WebhookSubscriptionChange): void {
    if (change.kind === 'deleted') this.index.remove(change.subscription.id);
    else this.index.put(change.subscription);
  }

  private lineage(scope: string): readonly string[] {
    const lineage = scopeLineage(scope);
    const ambient = WebhookScope.current();
    if (!ambient || ambient === scope) return lineage;
    const combined = [...lineage];
    for (const ancestor of scopeLineage(ambient)) if (!combined.includes(ancestor)) combined.push(ancestor);
    return combined;
  }

  // Reads go through the caller's transaction when there is one, like the version read.
  private async catchUp(version: number, manager?: EntityManager): Promise<void> {
    const ids = await this.store.changesSince(this.version, version, { manager });
    if (ids === null) {
      this.logger.log(`Registry change log no longer reaches version ${this.version}; reloading all subscriptions.`);
      await this.rebuild(manager);
      return;
    }
    const current = await this.store.findMany(ids, { manager });
    const found = new Set(current.map((subscription) => subscription.id));
    for (const id of ids) if (!found.has(id)) this.index.remove(id);
    for (const subscription of current) this.index.put(subscription);
    this.version = Math.max(this.version, version);
  }

  private async rebuild(manager?: EntityManager): Promise<void> {
    // Version first: a change committed while loading is then applied again later, never missed.
    const version = await this.store.version({ manager });
    // Built aside and swapped in, so that matching goes on with the old index meanwhile.
    const index = new SubscriptionIndex();
    for await (const page of this.store.activePages({ manager }))
      for (const subscription of page) index.put(subscription);
    this.index = index;
    this.version = version;
    this.lastSync = this.options.clock.now();
  }
}
