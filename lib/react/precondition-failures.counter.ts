import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { In } from 'typeorm';
import { PRECONDITION_FAILURES_MESSAGE } from '../core/messages/delivery.messages';
import { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { statement, WebhooksDatabase, type Work } from '../stores/typeorm/webhooks-database';
import { WebhookRegistry } from '../match/registry/webhook-registry.service';
import { isTransientId, TransientSubscriptions } from '../match/subscriptions/transient-subscriptions.store';
import { WebhookSubscriptions } from '../match/subscriptions/webhook-subscriptions.service';
import { chunks } from '../core/util/chunks.util';
import { WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { preconditionCountFailedLog, preconditionFailedLog, preconditionLimitLog } from '../core/messages/authorization.messages';

interface Counted {
  id: string;
  /** Failures added by this batch. */
  added: number;
  /** The subscription's count after them. */
  total: number;
  reason: string;
}

interface Deactivated {
  subscription: WebhookSubscription;
  failures: number;
}

/** Tries to write one batch of counts before it is given up (a lost count only delays a deactivation). */
const MAX_WRITE_TRIES = 3;

/**
 * Counts precondition failures — a subscription that could not be checked because its owner, permission or
 * dialect is missing — and deactivates a subscription once it has `authorization.preconditionFailureLimit`
 * of them, with the seed's "Delivery suspended due to too many precondition failures.", emitting
 * `preconditionFailureLimitReached` and `subscriptionDeactivated`. Activating the subscription resets the
 * count ({@link WebhookSubscriptions.activate}).
 *
 * The counts are written in units of work of their own, after the caller's code has moved on: never in the
 * caller's transaction, so that rolling it back does not undo them, and never waited for by the caller (on
 * SQLite they wait for its transaction to end). Failures that arrive together are written together.
 * Static in-memory subscriptions are counted in memory.
 */
@Injectable()
export class PreconditionFailureCounter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookPreconditions');
  private pending = new Map<string, { added: number; reason: string }>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly transient: TransientSubscriptions,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly registry: WebhookRegistry,
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /** Whether counts are waiting or being written. */
  get busy(): boolean {
    return this.pending.size > 0 || this.flushing !== undefined;
  }

  /** Counts one precondition failure of `subscription`; `reason` says what is missing (for the log). */
  record(subscription: Pick<WebhookSubscription, 'id'>, reason: string): void {
    if (isTransientId(subscription.id)) {
      this.recordTransient(subscription.id, reason);
      return;
    }
    const entry = this.pending.get(subscription.id);
    if (entry) entry.added++;
    else this.pending.set(subscription.id, { added: 1, reason });
    this.flushing ??= this.drain();
  }

  /** Resolves once every count recorded so far is written; rejects after `timeout` ms. */
  async whenIdle(timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (this.busy) {
      if (Date.now() > deadline) throw new Error(`Webhook precondition failure counts still being written after ${timeout} ms.`);
      await Promise.race([this.flushing, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }

  /** Writes the counts still waiting while the database is open (within `delivery.shutdownTimeout`). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.whenIdle(this.options.delivery.shutdownTimeout).catch((error: Error) => this.logger.warn(error.message));
  }

  private async drain(): Promise<void> {
    // Let the failures of one fan-out (and of events raised together) share a unit of work.
    await new Promise((resolve) => setImmediate(resolve));
    let tries = 0;
    while (this.pending.size > 0) {
      const batch = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.pending = new Map();
      try {
        await this.write(batch);
        tries = 0;
      } catch (error) {
        if (++tries >= MAX_WRITE_TRIES) {
          this.logger.error(preconditionCountFailedLog(batch.length, (error as Error).message));
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

  private async write(batch: Array<[string, { added: number; reason: string }]>): Promise<void> {
    const now = this.options.clock.now();
    const { counted, deactivated } = await this.db.runOwn(() => this.countWork(batch, now));
    this.report(counted, deactivated);
  }

  private *countWork(
    batch: Array<[string, { added: number; reason: string }]>,
    now: number,
  ): Work<{ counted: Counted[]; deactivated: Deactivated[] }> {
    const { dataSource } = this.db;
    const column = dataSource.driver.escape('precondition_failures');
    // Ids in order, so that instances counting the same subscriptions lock their rows in the same order.
    for (const [id, { added }] of batch) {
      yield statement(
        dataSource
          .createQueryBuilder()
          .update(WebhookSubscription)
          .set({ preconditionFailures: () => `${column} + ${Math.trunc(added)}` })
          .where('id = :id AND active = :active', { id, active: true }),
      );
    }
    const entries = new Map(batch);
    const counted: Counted[] = [];
    for (const ids of chunks([...entries.keys()], 300)) {
      const query = this.db.select(WebhookSubscription, 's').where({ id: In(ids), active: true });
      for (const row of this.db.hydrate(WebhookSubscription, 's', (yield statement(query)).rows)) {
        const entry = entries.get(row.id)!;
        counted.push({ id: row.id, added: entry.added, total: row.preconditionFailures, reason: entry.reason });
      }
    }
    const deactivated: Deactivated[] = [];
    for (const { id, total } of counted) {
      if (total < this.options.authorization.preconditionFailureLimit) continue;
      // Conditional on still being active: of racing instances, exactly one deactivates and reports it.
      const subscription = yield* this.subscriptions.setActiveWork(id, false, PRECONDITION_FAILURES_MESSAGE, now);
      if (subscription) deactivated.push({ subscription, failures: total });
    }
    return { counted, deactivated };
  }

  private recordTransient(id: string, reason: string): void {
    const current = this.transient.get(id);
    if (!current?.active) return;
    const now = this.options.clock.now();
    const failures = current.preconditionFailures + 1;
    this.transient.update(id, { preconditionFailures: failures }, now);
    const deactivated: Deactivated[] = [];
    if (failures >= this.options.authorization.preconditionFailureLimit) {
      const subscription = this.transient.update(id, { active: false, statusMessage: PRECONDITION_FAILURES_MESSAGE }, now)!;
      deactivated.push({ subscription, failures });
    }
    this.report([{ id, added: 1, total: failures, reason }], deactivated);
  }

  private report(counted: Counted[], deactivated: Deactivated[]): void {
    const limit = this.options.authorization.preconditionFailureLimit;
    for (const { id, added, total, reason } of counted) {
      // Said once per run of failures (the first since activation), not for every event.
      if (total === added) this.logger.warn(preconditionFailedLog(id, reason, `precondition failure ${total} of ${limit}`));
    }
    for (const { subscription, failures } of deactivated) {
      this.registry.apply(subscription);
      this.logger.warn(preconditionLimitLog(subscription.id, failures));
      this.emitter.emit(WebhookEvents.preconditionFailureLimitReached, { subscription, failures });
      this.emitter.emit(WebhookEvents.subscriptionDeactivated, { subscription, reason: PRECONDITION_FAILURES_MESSAGE });
    }
  }
}
