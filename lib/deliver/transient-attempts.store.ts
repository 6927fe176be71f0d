import { Injectable } from '@nestjs/common';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';

/** One subscription's history: attempts by id in creation order, and how many are resolved. */
interface History {
  attempts: Map<string, WebhookDeliveryAttempt>;
  resolved: number;
}

/**
 * The in-memory delivery history of static transient subscriptions (the seed keeps theirs in memory too):
 * per subscription, attempts in creation order, trimmed like the database history.
 */
@Injectable()
export class TransientAttempts {
  private readonly histories = new Map<string, History>();
  /** Attempt id → subscription id, to find an attempt without scanning every history. */
  private readonly owners = new Map<string, string>();

  /** Adds newly committed pending attempts. */
  add(attempts: readonly WebhookDeliveryAttempt[]): void {
    for (const attempt of attempts) {
      let history = this.histories.get(attempt.subscriptionId);
      if (!history) this.histories.set(attempt.subscriptionId, (history = { attempts: new Map(), resolved: 0 }));
      history.attempts.set(attempt.id, attempt);
      if (attempt.status !== 'pending') history.resolved++;
      this.owners.set(attempt.id, attempt.subscriptionId);
    }
  }

  /** Replaces an attempt with its new state; returns false when it is no longer kept. */
  replace(attempt: WebhookDeliveryAttempt): boolean {
    const history = this.histories.get(attempt.subscriptionId);
    const current = history?.attempts.get(attempt.id);
    if (!history || !current) return false;
    history.resolved += Number(attempt.status !== 'pending') - Number(current.status !== 'pending');
    history.attempts.set(attempt.id, attempt);
    return true;
  }

  /** Keeps at most `limit` resolved attempts, dropping the oldest; pending ones stay. */
  trim(subscriptionId: string, limit: number): void {
    const history = this.histories.get(subscriptionId);
    if (!history) return;
    for (const [id, attempt] of history.attempts) {
      if (history.resolved <= limit) break;
      if (attempt.status === 'pending') continue;
      history.attempts.delete(id);
      this.owners.delete(id);
      history.resolved--;
    }
  }

  /** The history, oldest first. */
  list(subscriptionId: string): WebhookDeliveryAttempt[] {
    return [...(this.histories.get(subscriptionId)?.attempts.values() ?? [])];
  }

  get(id: string): WebhookDeliveryAttempt | undefined {
    const subscriptionId = this.owners.get(id);
    return subscriptionId === undefined ? undefined : this.histories.get(subscriptionId)?.attempts.get(id);
  }

  /** Forgets a subscription's history. */
  clear(subscriptionId: string): void {
    for (const id of this.histories.get(subscriptionId)?.attempts.keys() ?? []) this.owners.delete(id);
    this.histories.delete(subscriptionId);
  }
}
