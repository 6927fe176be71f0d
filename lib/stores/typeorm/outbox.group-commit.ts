import type { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type { AttemptWork } from './attempt.work';
import type { WebhooksDatabase } from './webhooks.database';

interface Waiting {
  rows: readonly WebhookDeliveryAttempt[];
  resolve: (kept: WebhookDeliveryAttempt[]) => void;
  reject: (error: unknown) => void;
}

/** Rows written per transaction at most; more wait for the next one. */
const MAX_ROWS = 1000;

/**
 * Writes the outbox rows of events raised outside any transaction. Each such dispatch would otherwise pay
 * a transaction of its own — a commit, and a disk flush, per event — so the rows of every dispatch made
 * while one write is under way are committed together in the next one (group commit). A dispatch still
 * resolves only once its rows are committed, and a failed write fails the dispatches it carried.
 */
export class OutboxGroupCommit {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly work: AttemptWork,
  ) {}

  /** Commits the rows (with others') and resolves with those written (a deleted subscription's are not). */
  write(rows: readonly WebhookDeliveryAttempt[]): Promise<WebhookDeliveryAttempt[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Let the dispatches started in the same turn join the first transaction.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      let count = 0;
      let taken = 0;
      while (taken < this.waiting.length && (taken === 0 || count + this.waiting[taken].rows.length <= MAX_ROWS)) {
        count += this.waiting[taken++].rows.length;
      }
      const batch = this.waiting.splice(0, taken);
      try {
        // 'own': on SQLite, never join a transaction another caller opened since these were raised.
        const kept = new Set(
          await this.db.run(
            () =>
              this.work.insert(
                batch.flatMap((w) => w.rows),
                false,
              ),
            undefined,
            'own',
          ),
        );
        for (const { rows, resolve } of batch) resolve(rows.filter((row) => kept.has(row)));
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    this.writing = false;
  }
}
