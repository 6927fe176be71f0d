import { Inject, Injectable, Logger } from '@nestjs/common';
import { newId } from '../../core/util/ids.util';
import { loggableTarget, unsignedDeclaredSubscriptionLog } from '../../core/messages/delivery.messages';
import { ACTIVE_STATUS_MESSAGE, REMOVED_FROM_CONFIGURATION_MESSAGE } from '../../core/messages/status.messages';
import { WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import {
  type StaticSyncPlan,
  WEBHOOK_SUBSCRIPTION_STORE,
  type WebhookSubscriptionStore,
} from '../../stores/subscription-store.interface';
import {
  configuredId,
  isConfiguredId,
  staticSubscriptionKey,
  subscriptionFromStatic,
} from './static-subscription.factory';

/**
 * Brings the stored static subscriptions in line with `forRoot({ subscriptions })` at startup, atomically
 * (instances starting together are serialized). Two kinds:
 *
 * - Declared without `persistent`: they belong to the configuration and start afresh with every start of
 *   the application — active, no failures counted — under an id derived from their configuration, so that
 *   attempts committed before a crash are still delivered after it. One that left the configuration is
 *   deleted with its history.
 * - Declared with `persistent: true`: created once and then managed like any other subscription. One that
 *   left the configuration is deactivated (its history kept); when it comes back it is created anew (the old
 *   one stays inactive). One that was deactivated otherwise (by hand, or suspended by delivery failures)
 *   stays as it is: starting again with an unchanged list changes nothing.
 */
@Injectable()
export class StaticSubscriptionsSync {
  private readonly logger = new Logger('WebhooksStaticSync');

  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  async sync(): Promise<StaticSyncPlan> {
    this.options.subscriptions.forEach((entry, index) => {
      if (entry.secret === null) this.logger.warn(unsignedDeclaredSubscriptionLog(index, loggableTarget(entry.to)));
    });
    const now = this.options.clock.now();
    const plan = await this.store.syncStatic((stored) => this.plan(stored, now), now);
    const created = plan.insert.filter((s) => !isConfiguredId(s.id)).length;
    if (created > 0 || plan.deactivate.length > 0) {
      this.logger.log(`Static subscriptions: ${created} created, ${plan.deactivate.length} deactivated.`);
    }
    return plan;
  }

  private plan(stored: readonly WebhookSubscription[], now: number): StaticSyncPlan {
    const { cipher } = this.options.secrets;
    const plan: StaticSyncPlan = { insert: [], reset: [], deactivate: [], delete: [] };
    const byId = new Map(stored.map((s) => [s.id, s]));
    const persistent = new Map<string, WebhookSubscription[]>();
    for (const s of stored)
      if (!isConfiguredId(s.id)) persistent.set(s.staticKey!, [...(persistent.get(s.staticKey!) ?? []), s]);
    const wanted = new Set<string>();
    for (const entry of this.options.subscriptions) {
      const key = staticSubscriptionKey(entry);
      if (!entry.persistent) {
        const id = configuredId(key);
        if (wanted.has(id)) continue;
        wanted.add(id);
        const configured = subscriptionFromStatic(entry, id, key, now, cipher);
        if (!byId.has(id)) plan.insert.push(configured);
        else if (!isFresh(byId.get(id)!)) plan.reset.push(configured);
        continue;
      }
      if (wanted.has(key)) continue;
      wanted.add(key);
      const rows = persistent.get(key) ?? [];
      // Removed earlier and now back: created anew. Deactivated for any other reason: left as it is.
      if (rows.every((row) => !row.active && row.statusMessage === REMOVED_FROM_CONFIGURATION_MESSAGE)) {
        plan.insert.push(subscriptionFromStatic(entry, newId(), key, now, cipher));
      }
    }
    for (const s of stored) {
      if (isConfiguredId(s.id)) {
        if (!wanted.has(s.id)) plan.delete.push(s.id);
      } else if (s.active && !wanted.has(s.staticKey!)) {
        plan.deactivate.push({ id: s.id, reason: REMOVED_FROM_CONFIGURATION_MESSAGE });
      }
    }
    return plan;
  }
}

/** Whether a configured subscription is as a start leaves it: nothing to reset. */
function isFresh(s: WebhookSubscription): boolean {
  return (
    s.active &&
    s.statusMessage === ACTIVE_STATUS_MESSAGE &&
    s.consecutiveFailures === 0 &&
    s.preconditionFailures === 0 &&
    s.pausedUntil === null
  );
}
