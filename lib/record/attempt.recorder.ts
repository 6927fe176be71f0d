import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import { In } from 'typeorm';
import { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { statement, WebhooksDatabase, type Work } from '../stores/typeorm/webhooks-database';
import { RegistryStore } from '../stores/typeorm/registry.store';
import { WebhookRegistry } from '../match/registry/webhook-registry.service';
import { TransientSubscriptions } from '../match/subscriptions/transient-subscriptions.store';
import { WebhookSubscriptions } from '../match/subscriptions/webhook-subscriptions.service';
import { WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { AttemptStore } from '../stores/typeorm/attempt.store';
import type { DeliveryJob } from '../deliver/delivery-job.interface';
import { DELIVERY_FAILURES_MESSAGE } from '../core/messages/delivery.messages';
import { TransientAttempts } from '../deliver/transient-attempts.store';

/** The outcome of a try, ready to be written. */
export interface TryRecord {
  job: DeliveryJob;
  /** The attempt as it is after the try. */
  attempt: WebhookDeliveryAttempt;
  /** Deactivate the subscription at once with this status message (e.g. on 410 Gone). */
  deactivate?: string;
  /** Pause the subscription until then (epoch ms): its target asked to be sent less (429, 503 ...). */
  pause?: number;
  /**
   * The attempt was not tried, only put back to wait for its subscription's pause to end: nothing is
   * counted and no event is emitted.
   */
  deferred?: boolean;
}

interface Pending {
  record: TryRecord;
  done: () => void;
}

/** Subscriptions waiting for a trim beyond which the recorder trims even while results wait. */
const TRIM_BACKLOG = 256;

/** Results written per transaction at most; more wait for the next one. */
const MAX_BATCH = 500;

/**
 * Writes the results of tries, in batches: one transaction for all the results that came in meanwhile.
 * With the results it applies the seed's history rules: at most `attemptLimit` resolved attempts kept per
 * subscription (oldest dropped, right after the batch commits), and a subscription whose kept history is all failures — as many
 * consecutive failures as the limit — is deactivated. Events are emitted once the batch has committed.
 */
@Injectable()
export class AttemptRecorder {
  private readonly logger = new Logger('WebhookAttemptRecorder');
  private buffer: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private retryDelay = 0;
  /** Subscriptions with attempts resolved since their history was last trimmed. */
  private readonly untrimmed = new Set<string>();

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly store: AttemptStore,
    private readonly transientAttempts: TransientAttempts,
    private readonly transientSubscriptions: TransientSubscriptions,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly registry: WebhookRegistry,
    private readonly registryStore: RegistryStore,
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /** Whether results are waiting or being written. */
  get busy(): boolean {
    return this.buffer.length > 0 || this.flushing !== undefined;
  }

  /** Queues a result; resolves once it is written (or was found to be superseded by another instance). */
  record(record: TryRecord): Promise<void> {
    if (record.job.leaseToken === null) {
      this.recordTransient(record);
      return Promise.resolve();
    }
    return new Promise((done) => {
      this.buffer.push({ record, done });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the results of tries that finish together join the same transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, MAX_BATCH);
      try {
        await this.write(batch.map((p) => p.record));
        this.retryDelay = 0;
        for (const p of batch) p.done();
        // Trimming is kept off the path of results waiting to be written, within a bound; it always runs
        // before the recorder goes idle, so that an idle history is exactly `attemptLimit` long.
        if (this.buffer.length === 0 || this.untrimmed.size >= TRIM_BACKLOG) await this.trimPending();
      } catch (error) {
        // The database is unavailable: keep the results and try again. Leases keep the attempts from
        // being sent again meanwhile, and if this process dies they are tried again elsewhere.
        this.buffer.unshift(...batch);
        this.retryDelay = Math.min(Math.max(this.retryDelay * 2, 100), 5_000);
        this.logger.error(`Could not record ${batch.length} delivery results; retrying in ${this.retryDelay} ms: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, this.retryDelay));
      }
    }
    this.flushing = undefined;
  }

  private async write(records: TryRecord[]): Promise<void> {
    const now = this.options.clock.now();
    const { applied, paused, deactivated, resolvedFor } = await this.db.runOwn(() => this.writeWork(records, now));
    for (const id of resolvedFor) this.untrimmed.add(id);
    for (const subscription of paused) this.registry.apply(subscription);
    for (const { subscription, reason } of deactivated) {
      this.registry.apply(subscription);
      this.emitter.emit(WebhookEvents.subscriptionDeactivated, { subscription, reason });
    }
    for (const record of applied) if (!record.deferred) this.emitAttempt(record.attempt, record.job.subscription);
  }

  private *writeWork(
    records: TryRecord[],
    now: number,
  ): Work<{
    applied: TryRecord[];
    paused: WebhookSubscription[];
    deactivated: Array<{ subscription: WebhookSubscription; reason: string }>;
    /** Subscriptions with newly resolved attempts, whose history is trimmed once this commits. */
    resolvedFor: string[];
  }> {
    const written = yield* this.store.recordMany(records.map(({ attempt, job }) => ({ attempt, leaseToken: job.leaseToken! })));
    const applied = records.filter((record) => written.has(record.attempt.id));
    const paused = yield* this.pauseWork(applied);
    const outcomes = new Map<string, boolean[]>();
    const immediate = new Map<string, string>();
    for (const { attempt, deactivate } of applied) {
      if (deactivate) immediate.set(attempt.subscriptionId, deactivate);
      if (attempt.status === 'pending') continue;
      const list = outcomes.get(attempt.subscriptionId);
      if (list) list.push(attempt.status === 'successful');
      else outcomes.set(attempt.subscriptionId, [attempt.status === 'successful']);
    }
    const limit = this.options.attemptLimit;
    for (const id of yield* this.store.countFailures(outcomes, limit)) {
      if (!immediate.has(id)) immediate.set(id, DELIVERY_FAILURES_MESSAGE);
    }
    const deactivated: Array<{ subscription: WebhookSubscription; reason: string }> = [];
    for (const [id, reason] of immediate) {
      const subscription = yield* this.subscriptions.setActiveWork(id, false, reason, now);
      if (subscription) deactivated.push({ subscription, reason });
    }
    return { applied, paused, deactivated, resolvedFor: [...outcomes.keys()] };
  }

  /**
   * Applies the history limit to subscriptions that just got resolved attempts, in a transaction of its
   * own after the results committed. Inside the results' transaction, two instances resolving attempts
   * of one subscription at once each counted without the other's uncommitted rows and both kept one too
   * many; counted after the commit, the trim that runs last sees every result and keeps exactly the
   * limit (and an earlier, smaller count never deletes what a later one keeps). A failure here is only
   * logged: the next resolution of the subscription trims again.
   */
  private async trimPending(): Promise<void> {
    if (this.untrimmed.size === 0) return;
    const subscriptionIds = [...this.untrimmed];
    this.untrimmed.clear();
    try {
      await this.db.runOwn(() => this.store.trim(subscriptionIds, this.options.attemptLimit));
    } catch (error) {
      this.logger.warn(`Could not trim the delivery history of ${subscriptionIds.length} subscriptions: ${(error as Error).message}`);
    }
  }

  /**
   * Stores the pauses a batch asked for and logs them as registry changes, so that every instance's
   * index (and so its dispatches) learns them; returns the paused subscriptions as stored now.
   */
  private *pauseWork(applied: readonly TryRecord[]): Work<WebhookSubscription[]> {
    const pauses = new Map<string, number>();
    for (const { attempt, pause } of applied) {
      if (pause !== undefined) pauses.set(attempt.subscriptionId, Math.max(pause, pauses.get(attempt.subscriptionId) ?? 0));
    }
    if (pauses.size === 0) return [];
    const changed = yield* this.store.pause(pauses);
    if (changed.length === 0) return [];
    yield* this.registryStore.recordChanges(changed);
    const { rows } = yield statement(this.db.select(WebhookSubscription, 's').where({ id: In(changed) }));
    return this.db.hydrate(WebhookSubscription, 's', rows);
  }

  private recordTransient({ attempt, job, deactivate, pause, deferred }: TryRecord): void {
    if (!this.transientAttempts.replace(attempt)) return;
    const id = attempt.subscriptionId;
    if (deferred) return;
    if (pause !== undefined) {
      const current = this.transientSubscriptions.get(id);
      if (current && (current.pausedUntil?.getTime() ?? 0) < pause) {
        this.registry.apply(this.transientSubscriptions.update(id, { pausedUntil: new Date(pause) }, this.options.clock.now())!);
      }
    }
    let reason = deactivate;
    if (attempt.status !== 'pending') {
      const current = this.transientSubscriptions.get(id);
      if (current) {
        const failures = attempt.status === 'successful' ? 0 : current.consecutiveFailures + 1;
        this.transientSubscriptions.update(id, { consecutiveFailures: failures }, this.options.clock.now());
        if (failures >= this.options.attemptLimit && current.active) reason ??= DELIVERY_FAILURES_MESSAGE;
      }
      this.transientAttempts.trim(id, this.options.attemptLimit);
    }
    if (reason) {
      const current = this.transientSubscriptions.get(id);
      if (current?.active) {
        const subscription = this.transientSubscriptions.update(id, { active: false, statusMessage: reason }, this.options.clock.now())!;
        this.registry.apply(subscription);
        this.emitter.emit(WebhookEvents.subscriptionDeactivated, { subscription, reason });
      }
    }
    this.emitAttempt(attempt, job.subscription);
  }

  private emitAttempt(attempt: WebhookDeliveryAttempt, subscription: WebhookSubscription): void {
    const name =
      attempt.status === 'successful'
        ? WebhookEvents.attemptSucceeded
        : attempt.status === 'failed'
          ? WebhookEvents.attemptFailed
          : WebhookEvents.attemptRetrying;
    this.emitter.emit(name, { attempt, subscription });
  }
}
