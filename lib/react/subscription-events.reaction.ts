import { Inject, Injectable } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { PRECONDITION_FAILURES_MESSAGE } from '../core/messages/status.messages';
import { WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../stores/subscription-store.interface';

/**
 * Emits the subscription lifecycle events (`webhooks.subscription.*`) for the changes made through this
 * instance, once they are committed — whoever made them: a service call, the admin API, the static
 * configuration at startup, or a rule (deactivation after failures, a pause asked for by the target).
 */
@Injectable()
export class SubscriptionEventsReaction {
  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) store: WebhookSubscriptionStore,
    @Inject(WEBHOOKS_EVENT_EMITTER) emitter: EventEmitter2,
    @Inject(WEBHOOKS_MODULE_OPTIONS) options: ResolvedWebhooksOptions,
  ) {
    // When the pause a subscription is under ends (epoch ms): a pause extended while it lasts is no news.
    const pausedUntil = new Map<string, number>();
    store.onChange((change) => {
      const { subscription } = change;
      switch (change.kind) {
        case 'paused': {
          const until = subscription.pausedUntil?.getTime() ?? 0;
          const previous = pausedUntil.get(subscription.id) ?? 0;
          pausedUntil.set(subscription.id, until);
          if (previous < options.clock.now()) {
            emitter.emit(WebhookEvents.subscriptionPaused, { subscription, until: new Date(until) });
          }
          break;
        }
        case 'created':
          emitter.emit(WebhookEvents.subscriptionCreated, { subscription });
          break;
        case 'updated':
          emitter.emit(WebhookEvents.subscriptionUpdated, { subscription, changes: [...change.fields] });
          break;
        case 'activated':
          emitter.emit(WebhookEvents.subscriptionActivated, { subscription });
          break;
        case 'deactivated':
          if (change.reason === PRECONDITION_FAILURES_MESSAGE) {
            emitter.emit(WebhookEvents.preconditionFailureLimitReached, {
              subscription,
              failures: subscription.preconditionFailures,
            });
          }
          emitter.emit(WebhookEvents.subscriptionDeactivated, { subscription, reason: change.reason });
          break;
        case 'deleted':
          pausedUntil.delete(subscription.id);
          emitter.emit(WebhookEvents.subscriptionDeleted, { subscription });
          break;
        default:
          // Resets at startup are not lifecycle events.
          break;
      }
    });
  }
}
