import {
  applyBreakerTry,
  type BreakerTry,
  closedBreaker,
  probedBreaker,
  type WebhookBreakerRules,
  type WebhookBreakerState,
  type WebhookBreakerTransition,
} from '../../core/limits/circuit-breaker';
import type { WebhookBreakerStore } from '../breaker-store.interface';

/** The circuit breakers in memory (`storage: 'memory'`): one instance, so one map. */
export class MemoryBreakerStore implements WebhookBreakerStore {
  private readonly breakers = new Map<string, WebhookBreakerState>();

  async record(
    tries: readonly BreakerTry[],
    rules: WebhookBreakerRules,
    now: number,
  ): Promise<WebhookBreakerTransition[]> {
    const transitions: WebhookBreakerTransition[] = [];
    for (const done of tries) {
      const { state, transition } = applyBreakerTry(
        this.breakers.get(done.host) ?? closedBreaker(done.host, now),
        done,
        rules,
        now,
      );
      this.breakers.set(done.host, state);
      if (transition) transitions.push(transition);
    }
    return transitions;
  }

  async claimProbe(host: string, rules: WebhookBreakerRules, now: number): Promise<boolean> {
    const current = this.breakers.get(host);
    const probed = current && probedBreaker(current, rules, now);
    if (probed) this.breakers.set(host, probed);
    return !!probed;
  }

  async notClosed(): Promise<WebhookBreakerState[]> {
    return [...this.breakers.values()].filter((b) => b.state !== 'closed').map((b) => ({ ...b }));
  }

  async list(): Promise<WebhookBreakerState[]> {
    return [...this.breakers.values()].sort((a, b) => (a.host < b.host ? -1 : 1)).map((b) => ({ ...b }));
  }
}
