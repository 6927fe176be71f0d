import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookEvents } from '../../lib/core/events/webhook-events.constants';

/** What a failure report shows of an attempt. */
interface FailedAttempt {
  id: string;
  status: string;
  message: string | null;
  internalInfo?: { exceptionHistory?: string[] };
  tries?: Array<{ elapsedMs: number }>;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Follows the module's attempt events (`webhooks.attempt.succeeded` / `.failed` / `.retrying`), which it
 * emits once an attempt's result is recorded — after the result's transaction committed, for database
 * attempts — and lets a benchmark wait for given attempts.
 */
export class CompletionTracker {
  /** Attempts reported successful since the start. */
  succeeded = 0;
  /** Attempts reported failed or retrying since the start. */
  failed = 0;
  /** The first failure message seen. */
  firstFailure?: string;
  private readonly waiters = new Map<string, Waiter>();
  /** Results that arrived before anyone waited for them (true = success). */
  private readonly early = new Map<string, string | null>();
  private readonly settledWaiters = new Set<() => void>();

  constructor(emitter: EventEmitter2) {
    emitter.on(WebhookEvents.attemptSucceeded, ({ attempt }: { attempt: { id: string } }) =>
      this.settle(attempt.id, null),
    );
    const failure = ({ attempt }: { attempt: FailedAttempt }) => {
      const history = attempt.internalInfo?.exceptionHistory ?? [];
      const cause = history.length ? ` (${history[history.length - 1].split('\n')[0]})` : '';
      const elapsed = attempt.tries?.length ? `, try took ${attempt.tries[attempt.tries.length - 1].elapsedMs} ms` : '';
      this.settle(
        attempt.id,
        `attempt ${attempt.id} ${attempt.status}: ${attempt.message ?? '(no message)'}${cause}${elapsed}`,
      );
    };
    emitter.on(WebhookEvents.attemptFailed, failure);
    emitter.on(WebhookEvents.attemptRetrying, failure);
  }

  /** Resolves when the attempt is recorded as successful; rejects if it failed or is to be retried. */
  wait(attemptId: string): Promise<void> {
    if (this.early.has(attemptId)) {
      const failure = this.early.get(attemptId)!;
      this.early.delete(attemptId);
      return failure === null ? Promise.resolve() : Promise.reject(new Error(failure));
    }
    return new Promise((resolve, reject) => this.waiters.set(attemptId, { resolve, reject }));
  }

  /**
   * Resolves once `count` attempts have been reported (successful or not) since the start; rejects after
   * `timeoutMs`.
   */
  whenSettled(count: number, timeoutMs: number): Promise<void> {
    if (this.succeeded + this.failed >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settledWaiters.delete(check);
        reject(new Error(`${this.succeeded + this.failed} of ${count} attempts reported after ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (this.succeeded + this.failed < count) return;
        clearTimeout(timer);
        this.settledWaiters.delete(check);
        resolve();
      };
      this.settledWaiters.add(check);
    });
  }

  /** Waiters not settled yet. */
  get waiting(): number {
    return this.waiters.size;
  }

  private settle(id: string, failure: string | null): void {
    if (failure === null) this.succeeded++;
    else {
      this.failed++;
      this.firstFailure ??= failure;
    }
    for (const check of this.settledWaiters) check();
    const waiter = this.waiters.get(id);
    if (!waiter) {
      // Only attempts someone will wait for are kept; a benchmark that does not wait never calls wait().
      if (this.early.size < 100_000) this.early.set(id, failure);
      return;
    }
    this.waiters.delete(id);
    if (failure === null) waiter.resolve();
    else waiter.reject(new Error(failure));
  }
}
