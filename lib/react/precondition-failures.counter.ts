import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import {
  preconditionCountFailedLog,
  preconditionFailedLog,
  preconditionLimitLog,
} from '../core/messages/authorization.messages';
import { PRECONDITION_FAILURES_MESSAGE } from '../core/messages/status.messages';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import { WebhookPipelineActivity } from '../pipeline/pipeline.activity';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../stores/subscription-store.interface';

/** Tries to write one batch of counts before it is given up (a lost count only delays a deactivation). */
const MAX_WRITE_TRIES = 3;

/**
 * Counts precondition failures — a subscription that could not be checked because its owner, permission or
 * dialect is missing — and deactivates a subscription once it has `authorization.preconditionFailureLimit`
 * of them, with "Delivery suspended due to too many precondition failures." (the lifecycle events follow
 * from that change). Activating the subscription resets the count.
 *
 * The counts are written in units of work of their own, after the caller's code has moved on: never in the
 * caller's transaction, so that rolling it back does not undo them, and never waited for by the caller.
 * Failures that arrive together are written together.
 */
@Injectable()
export class PreconditionFailureCounter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookPreconditions');
  private pending = new Map<string, { added: number; reason: string }>();
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    outcomes: WebhookOutcomeBus,
    activity: WebhookPipelineActivity,
  ) {
    outcomes.on('preconditionFailed', ({ subscriptionId, reason }) => this.record(subscriptionId, reason));
    activity.watch(
      () => this.busy,
      () => this.whenIdle(),
    );
  }

  /** Whether counts are waiting or being written. */
  get busy(): boolean {
    return this.pending.size > 0 || this.flushing !== undefined;
  }

  /** Resolves once every count recorded so far is written; rejects after `timeout` ms. */
  async whenIdle(timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (this.busy) {
      if (Date.now() > deadline)
        throw new Error(`Webhook precondition failure counts still being written after ${timeout} ms.`);
      await Promise.race([this.flushing, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }

  /** Writes the counts still waiting while the database is open (within `delivery.shutdownTimeout`). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.whenIdle(this.options.delivery.shutdownTimeout).catch((error: Error) => this.logger.warn(error.message));
  }

  private record(subscriptionId: string, reason: string): void {
    const entry = this.pending.get(subscriptionId);
    if (entry) entry.added++;
    else this.pending.set(subscriptionId, { added: 1, reason });
    this.flushing ??= this.drain();
  }

  private async drain(): Promise<void> {
    // Let the failures of one fan-out (and of events raised together) share a unit of work.
    await new Promise((resolve) => setImmediate(resolve));
    let tries = 0;
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.write(batch);
        tries = 0;
      } catch (error) {
        if (++tries >= MAX_WRITE_TRIES) {
          this.logger.error(preconditionCountFailedLog(batch.size, (error as Error).message));
          tries = 0;
          continue;
        }
        for (const [id, entry] of batch) {
          const later = this.pending.get(id);
          this.pending.set(id, later ? { added: later.added + entry.added, reason: entry.reason } : entry);
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** tries));
      }
    }
    this.flushing = undefined;
  }

  private async write(batch: Map<string, { added: number; reason: string }>): Promise<void> {
    const totals = await this.store.addPreconditionFailures(new Map([...batch].map(([id, { added }]) => [id, added])));
    const limit = this.options.authorization.preconditionFailureLimit;
    const now = this.options.clock.now();
    for (const { id, total } of totals) {
      const { added, reason } = batch.get(id)!;
      // Said once per run of failures (the first since activation), not for every event.
      if (total === added)
        this.logger.warn(preconditionFailedLog(id, reason, `precondition failure ${total} of ${limit}`));
      if (total < limit) continue;
      // Conditional on still being active: of racing instances, exactly one deactivates and reports it.
      const subscription = await this.store.setActive(id, false, PRECONDITION_FAILURES_MESSAGE, now).catch(() => null);
      if (subscription) this.logger.warn(preconditionLimitLog(id, total));
    }
  }
}
