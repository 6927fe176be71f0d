import { Inject, Injectable, Logger } from '@nestjs/common';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { statement, WebhooksDatabase, type Work } from '../../stores/typeorm/webhooks-database';
import { RegistryStore } from '../../stores/typeorm/registry.store';
import { WebhookRegistry } from '../registry/webhook-registry.service';
import { newId } from '../../core/util/ids.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import { staticSubscriptionKey, subscriptionFromStatic } from './transient-subscriptions.store';
import { WebhookSubscriptions } from './webhook-subscriptions.service';

/** The status message of a persistent static subscription that left the configuration. */
export const REMOVED_FROM_CONFIGURATION_MESSAGE = 'Removed from the static configuration.';

/** What one sync did. */
export interface StaticSyncResult {
  created: WebhookSubscription[];
  deactivated: WebhookSubscription[];
  unchanged: number;
}

/**
 * Syncs `forRoot({ subscriptions: [{ persistent: true, ... }] })` into the database at bootstrap, as the
 * seed's static persistent subscriptions are: new ones are created, ones removed from the configuration
 * are deactivated (their history kept), unchanged ones are left alone, and one re-added after removal is
 * created anew (the old one stays inactive). Running the same configuration again changes nothing.
 */
@Injectable()
export class StaticSubscriptionsSync {
  private readonly logger = new Logger('WebhooksStaticSync');

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly store: RegistryStore,
    private readonly registry: WebhookRegistry,
    private readonly subscriptions: WebhookSubscriptions,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  async sync(): Promise<StaticSyncResult> {
    const result = await this.db.runOwn(() => this.syncWork());
    this.subscriptions.published(result.created);
    for (const subscription of result.deactivated) this.registry.apply(subscription);
    if (result.created.length || result.deactivated.length) {
      this.logger.log(`Static subscriptions: ${result.created.length} created, ${result.deactivated.length} deactivated.`);
    }
    return result;
  }

  private *syncWork(): Work<StaticSyncResult> {
    const wanted = new Map(
      this.options.subscriptions.filter((entry) => entry.persistent).map((entry) => [staticSubscriptionKey(entry), entry]),
    );
    // Taking the version row lock first serializes instances that boot at the same time: the second one
    // sees what the first one created.
    yield* this.store.lockRegistry();
    const query = this.db.select(WebhookSubscription, 's').where('s.static_key IS NOT NULL AND s.active = :active', { active: true });
    const existing = this.db.hydrate(WebhookSubscription, 's', (yield statement(query)).rows);
    const activeKeys = new Set(existing.map((s) => s.staticKey));
    const now = this.options.clock.now();
    const { cipher } = this.options.secrets;
    const created = [...wanted]
      .filter(([key]) => !activeKeys.has(key))
      .map(([key, entry]) => subscriptionFromStatic(entry, newId(), key, now, cipher));
    yield* this.subscriptions.insertAll(created);
    const deactivated: WebhookSubscription[] = [];
    for (const subscription of existing.filter((s) => !wanted.has(s.staticKey!))) {
      const changed = yield* this.subscriptions.setActiveWork(subscription.id, false, REMOVED_FROM_CONFIGURATION_MESSAGE, now);
      if (changed) deactivated.push(changed);
    }
    return { created, deactivated, unchanged: existing.length - deactivated.length };
  }
}
