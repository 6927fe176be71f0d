import { Injectable } from '@nestjs/common';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';

/**
 * The in-memory delivery history of static transient subscriptions (the seed keeps theirs in memory too):
 * per subscription, attempts in creation order, trimmed like the database history.
 */
@Injectable()
export class TransientAttempts {
  private readonly histories = new Map<string, WebhookDeliveryAttempt[]>();

  /** Adds newly committed pending attempts. */
  add(attempts: readonly WebhookDeliveryAttempt[]): void {
    for (const attempt of attempts) {
      let history = this.histories.get(attempt.subscriptionId);
      if (!history) this.histories.set(attempt.subscriptionId, (history = []));
      history.push(attempt);
    }
  }

  /** Replaces an attempt with its new state; returns false when it is no longer kept. */
  replace(attempt: WebhookDeliveryAttempt): boolean {
    const history = this.histories.get(attempt.subscriptionId);
    const index = history ? history.findIndex((a) => a.id === attempt.id) : -1;
    if (index < 0) return false;
    history![index] = attempt;
    return true;
  }

  /** Keeps at most `limit` resolved attempts, dropping the oldest; pending ones stay. */
  trim(subscriptionId: string, limit: number): void {
    const history = this.histories.get(subscriptionId);
    if (!history) return;
    let excess = history.reduce((n, a) => (a.status === 'pending' ? n : n + 1), 0) - limit;
    if (excess <= 0) return;
    this.histories.set(
      subscriptionId,
      history.filter((a) => a.status === 'pending' || excess-- <= 0),
    );
  }

  /** The history, oldest first. */
  list(subscriptionId: string): WebhookDeliveryAttempt[] {
    return [...(this.histories.get(subscriptionId) ?? [])];
  }

  get(id: string): WebhookDeliveryAttempt | undefined {
    for (const history of this.histories.values()) {
      const found = history.find((a) => a.id === id);
      if (found) return found;
    }
    return undefined;
  }

  /** Forgets a subscription's history. */
  clear(subscriptionId: string): void {
    this.histories.delete(subscriptionId);
  }
}
