import { Inject, Injectable, Logger } from '@nestjs/common';
import { DELIVERY_FAILURES_MESSAGE } from '../core/messages/status.messages';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import type { RecordedOutcome } from '../pipeline/outcomes.interface';
import { WebhookPipelineActivity } from '../pipeline/pipeline.activity';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../stores/subscription-store.interface';

/**
 * What follows from recorded results for their subscriptions: a target that asked to be sent less (429,
 * 502, 503, 504) pauses its subscription; one that answered 410 Gone deactivates it at once; one whose kept
 * history is all failures — as many consecutive failures as `attemptLimit` — is deactivated with "Delivery
 * suspended due to too many delivery failures." Deactivation is conditional in the store, so that of the
 * instances that see the limit reached, exactly one deactivates (and one event is emitted).
 */
@Injectable()
export class DeliveryOutcomeReaction {
  private readonly logger = new Logger('WebhookDeliveryOutcomes');

  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    private readonly activity: WebhookPipelineActivity,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    outcomes: WebhookOutcomeBus,
  ) {
    outcomes.on('recorded', (outcome) => this.react(outcome));
  }

  /** Works out what follows, and writes it only when there is something (most batches ask for nothing). */
  private react({ tries, failing }: RecordedOutcome): void {
    const pauses = new Map<string, number>();
    const deactivations = new Map<string, string>();
    for (const { attempt, pause, deactivate } of tries) {
      if (pause !== undefined)
        pauses.set(attempt.subscriptionId, Math.max(pause, pauses.get(attempt.subscriptionId) ?? 0));
      if (deactivate !== undefined) deactivations.set(attempt.subscriptionId, deactivate);
    }
    for (const id of failing) if (!deactivations.has(id)) deactivations.set(id, DELIVERY_FAILURES_MESSAGE);
    if (pauses.size > 0 || deactivations.size > 0) void this.activity.track(this.apply(pauses, deactivations));
  }

  private async apply(pauses: ReadonlyMap<string, number>, deactivations: ReadonlyMap<string, string>): Promise<void> {
    try {
      if (pauses.size > 0) await this.store.pause(pauses);
      const now = this.options.clock.now();
      for (const [id, reason] of deactivations) await this.store.setActive(id, false, reason, now).catch(ignoreDeleted);
    } catch (error) {
      // The next result of these subscriptions asks again.
      this.logger.error(
        `Could not pause or deactivate subscriptions after delivery results: ${(error as Error).message}`,
      );
    }
  }
}

/** A subscription deleted since its attempt was tried has nothing left to deactivate. */
function ignoreDeleted(error: unknown): null {
  if ((error as Error)?.name === 'WebhookSubscriptionNotFoundError') return null;
  throw error;
}
