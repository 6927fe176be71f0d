import type { Logger } from '@nestjs/common';
import type { BreakerTry, WebhookBreakerRules, WebhookBreakerState } from '../core/limits/circuit-breaker';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import type { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import type { TryResult } from '../record/attempt.recorder';
import type { WebhookBreakerStore } from '../stores/breaker-store.interface';
import type { DeliveryJob } from './delivery-job.interface';
import { targetParts } from '../core/util/target-url.util';

/** How long (ms) an attempt waits when another instance's probe of its host is under way. */
const PROBE_WAIT = 1_000;

/**
 * The engine's view of the circuit breakers (`breaker` option): before a try, whether its host's breaker lets
 * it go (closed), makes it the probe (cool-down over), or has it wait (open); after a try, its result counted
 * in the shared store, and a breaker that opened or closed reported on the outcome bus. The breakers that are
 * not closed are read again every poll interval, so that an instance learns within one interval of a breaker
 * another one opened.
 */
export class CircuitBreakers {
  private known = new Map<string, WebhookBreakerState>();
  private refreshTimer?: NodeJS.Timeout;
  private pending: BreakerTry[] = [];
  private flushing?: Promise<void>;

  constructor(
    private readonly store: WebhookBreakerStore,
    private readonly options: ResolvedWebhooksOptions,
    private readonly outcomes: WebhookOutcomeBus,
    private readonly logger: Logger,
  ) {}

  private get rules(): WebhookBreakerRules | null {
    return this.options.breaker;
  }

  /** Whether the `breaker` option is set: without it, tries go through neither gate nor count. */
  get enabled(): boolean {
    return this.rules !== null;
  }

  start(): void {
    if (!this.rules) return;
    void this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), this.options.delivery.pollInterval);
    this.refreshTimer.unref();
  }

  stop(): void {
    clearInterval(this.refreshTimer);
  }

  /** `'try'`, `'probe'`, or until when (epoch ms) the attempt waits, untried. */
  async gate(job: DeliveryJob, now: number): Promise<'try' | 'probe' | number> {
    const rules = this.rules;
    if (!rules) return 'try';
    const host = hostOf(job);
    const breaker = this.known.get(host);
    if (!breaker || breaker.state === 'closed') return 'try';
    if (breaker.state === 'open' && (breaker.openUntil ?? 0) > now) return breaker.openUntil!;
    if (breaker.state === 'half-open' && (breaker.probeUntil ?? 0) > now)
      return Math.min(breaker.probeUntil!, now + PROBE_WAIT);
    try {
      if (await this.store.claimProbe(host, rules, now)) {
        this.known.set(host, { ...breaker, state: 'half-open', probeUntil: now + rules.probeTimeout });
        return 'probe';
      }
    } catch (error) {
      this.logger.warn(`Could not claim the probe of ${host}: ${(error as Error).message}`);
    }
    return now + PROBE_WAIT;
  }

  /** Counts a try's result (a try, not a deferral); written in the background, batched. */
  note(job: DeliveryJob, result: TryResult, probe: boolean): Promise<void> {
    if (!this.rules) return Promise.resolve();
    const last = result.attempt.tries[result.attempt.tries.length - 1];
    const status = last?.statusCode ?? 0;
    // The host is down or overwhelmed: no answer, a 429 or a 5xx. Other answers say it is up.
    const success = status !== 0 && status !== 429 && status < 500;
    this.pending.push({ host: hostOf(job), success, probe });
    return (this.flushing ??= this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const tries = this.pending;
        this.pending = [];
        const now = this.options.clock.now();
        const transitions = await this.store.record(tries, this.rules!, now);
        for (const transition of transitions) {
          if (transition.state === 'closed') this.known.delete(transition.host);
          else
            this.known.set(transition.host, {
              host: transition.host,
              state: 'open',
              consecutiveFailures: 0,
              windowStart: now,
              windowTries: 0,
              windowFailures: 0,
              openUntil: transition.openUntil ?? now,
              probeUntil: null,
              changedAt: now,
            });
          this.outcomes.emit('breaker', transition);
        }
      }
    } catch (error) {
      this.logger.warn(`Could not count results for the circuit breakers: ${(error as Error).message}`);
    } finally {
      this.flushing = undefined;
    }
  }

  private async refresh(): Promise<void> {
    try {
      this.known = new Map((await this.store.notClosed()).map((b) => [b.host, b]));
    } catch (error) {
      this.logger.warn(`Could not read the circuit breakers: ${(error as Error).message}`);
    }
  }
}

/** The breaker's key of a job: its target's `host:port`. */
export function hostOf(job: DeliveryJob): string {
  return targetParts(job.subscription.to || job.attempt.request.url)?.host ?? '';
}
