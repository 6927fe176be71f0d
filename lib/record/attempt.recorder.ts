import { Inject, Injectable, Logger } from '@nestjs/common';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import type { RecordedTry } from '../pipeline/outcomes.interface';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import { WebhookPipelineActivity } from '../pipeline/pipeline.activity';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';

/** The outcome of a try, ready to be written: fenced by the lease it was made under. */
export interface TryResult extends RecordedTry {
  leaseToken: string;
}

interface Pending {
  result: TryResult;
  done: () => void;
}

/** Subscriptions waiting for a trim beyond which the recorder trims even while results wait. */
const TRIM_BACKLOG = 256;

/** Results written per transaction at most; more wait for the next one. */
const MAX_BATCH = 500;

/**
 * Writes the results of tries, in batches: one transaction for all the results that came in meanwhile, each
 * fenced by its lease (an instance that lost its lease writes nothing). It keeps the history limit — at most
 * `attemptLimit` resolved attempts per subscription, oldest dropped, right after the batch commits — and
 * reports every committed batch as an outcome, with the subscriptions whose consecutive failures reached
 * the limit. What follows (deactivation, pauses, events) is for the reactions listening.
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
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly store: WebhookAttemptStore,
    private readonly outcomes: WebhookOutcomeBus,
    activity: WebhookPipelineActivity,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {
    activity.watch(
      () => this.busy,
      () => this.whenRecorded(),
    );
  }

  /** Whether results are waiting or being written. */
  get busy(): boolean {
    return this.buffer.length > 0 || this.flushing !== undefined;
  }

  /** Queues a result; resolves once it is written (or was found to be superseded by another instance). */
  record(result: TryResult): Promise<void> {
    return new Promise((done) => {
      this.buffer.push({ result, done });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Resolves once every result queued so far is written. */
  async whenRecorded(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Let the results of tries that finish together join the same transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, MAX_BATCH);
      try {
        await this.write(batch.map((p) => p.result));
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
        this.logger.error(
          `Could not record ${batch.length} delivery results; retrying in ${this.retryDelay} ms: ${(error as Error).message}`,
        );
        await new Promise((resolve) => setTimeout(resolve, this.retryDelay));
      }
    }
    this.flushing = undefined;
  }

  private async write(results: TryResult[]): Promise<void> {
    const recorded = await this.store.recordResults(
      results.map(({ attempt, leaseToken }) => ({ attempt, leaseToken })),
      this.options.attemptLimit,
    );
    for (const id of recorded.resolvedFor) this.untrimmed.add(id);
    const tries = results
      .filter(({ attempt }) => recorded.written.has(attempt.id))
      .map(({ leaseToken: _token, ...tried }): RecordedTry => tried);
    if (tries.length > 0 || recorded.failing.length > 0)
      this.outcomes.emit('recorded', { tries, failing: recorded.failing });
  }

  /**
   * Applies the history limit to subscriptions that just got resolved attempts, in a transaction of its
   * own after the results committed. Inside the results' transaction, two instances resolving attempts of
   * one subscription at once each counted without the other's uncommitted rows and both kept one too many;
   * counted after the commit, the trim that runs last sees every result and keeps exactly the limit. A
   * failure here is only logged: the next resolution of the subscription trims again.
   */
  private async trimPending(): Promise<void> {
    if (this.untrimmed.size === 0) return;
    const subscriptionIds = [...this.untrimmed];
    this.untrimmed.clear();
    try {
      await this.store.trim(subscriptionIds, this.options.attemptLimit);
    } catch (error) {
      this.logger.warn(
        `Could not trim the delivery history of ${subscriptionIds.length} subscriptions: ${(error as Error).message}`,
      );
    }
  }
}
