import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';

/**
 * Retention by age (`history: { maxAge }`), beside the count limit the {@link AttemptRecorder} keeps: every
 * `history.interval`, each instance deletes the attempts resolved more than `maxAge` ago, `batchSize` at a
 * time — each batch one short statement in a transaction of its own, so that no lock is held for long and
 * the recording of results goes on between batches. Pending attempts are never deleted. Several instances
 * trimming at once only delete the same rows twice (the second finds them gone), so nothing coordinates them.
 */
@Injectable()
export class HistoryRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookHistoryRetention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly store: WebhookAttemptStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.history.maxAge === null) return;
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A batch under way finishes (it is short); no other starts.
    await this.running;
  }

  /**
   * Deletes every attempt resolved more than `maxAge` ago (by the module's clock), batch after batch;
   * resolves with how many went. Runs by itself every `history.interval`; a pass already under way is
   * joined, not doubled.
   */
  trimByAge(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const { maxAge, batchSize } = this.options.history;
    if (maxAge === null) return 0;
    const cutoff = this.options.clock.now() - maxAge;
    let total = 0;
    for (;;) {
      const deleted = await this.store.trimResolvedBefore(cutoff, batchSize);
      total += deleted;
      if (deleted < batchSize || this.stopped) return total;
      // Let the application's own work (and the recorder's) run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.trimByAge()
        .catch((error: unknown) =>
          // The next pass deletes what this one could not: nothing is lost by waiting.
          this.logger.warn(`Could not trim the delivery history by age: ${(error as Error).message}`),
        )
        .finally(() => this.schedule(this.options.history.interval));
    }, delay);
    this.timer.unref();
  }
}
