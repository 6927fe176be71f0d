import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { newMessageId } from '../core/util/ids.util';
import { ROOT_SCOPE, WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { WebhookOutbox } from '../enqueue/webhook-outbox.service';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { WebhookRegistry } from '../match/registry/webhook-registry.service';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';

/** The operational events also delivered as webhooks with `operations.webhooks`. */
export const OPERATIONAL_EVENTS = [
  WebhookEvents.subscriptionDeactivated,
  WebhookEvents.subscriptionPaused,
  WebhookEvents.subscriptionActivated,
  WebhookEvents.backlogExceeded,
  WebhookEvents.backlogRecovered,
  WebhookEvents.breakerOpened,
  WebhookEvents.breakerClosed,
] as const;

/** The prefix an operations subscription's pattern starts with (a catch-all `*` is not one). */
const OPERATIONS_PATTERN_PREFIX = 'webhooks.';

/**
 * With `operations.webhooks`, delivers the operational events (like Svix's operational webhooks) to the
 * operations subscriptions: active root-scope subscriptions matching them with a pattern that starts with
 * `webhooks.` (`webhooks.subscription.*`, `webhooks.backlog.*`, `webhooks.breaker.*`, an exact name). Subscriptions that only
 * say `*` are left out: application events and operations go to different places. An event about a
 * subscription is not sent to that subscription itself.
 */
@Injectable()
export class OperationalWebhooks implements OnModuleInit {
  private readonly logger = new Logger('WebhookOperations');

  constructor(
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    private readonly registry: WebhookRegistry,
    private readonly outbox: WebhookOutbox,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onModuleInit(): void {
    if (!this.options.operations.webhooks) return;
    for (const event of OPERATIONAL_EVENTS) {
      this.emitter.on(event, (payload: Record<string, unknown>) => void this.send(event, payload));
    }
  }

  private async send(event: string, payload: Record<string, unknown>): Promise<void> {
    try {
      const subject = payload.subscription as WebhookSubscription | undefined;
      const receivers = (await this.registry.match(event, ROOT_SCOPE)).filter(
        (s) => s.id !== subject?.id && s.events.some((pattern) => pattern.startsWith(OPERATIONS_PATTERN_PREFIX)),
      );
      if (receivers.length === 0) return;
      const data = subject ? { ...payload, subscription: subject.toJSON() } : payload;
      await this.outbox.enqueue(
        { event, payload: data, scope: ROOT_SCOPE, messageId: newMessageId(), explicitId: false },
        receivers,
      );
    } catch (error) {
      this.logger.error(`Could not send the operational webhook "${event}": ${(error as Error)?.message}`);
    }
  }
}
