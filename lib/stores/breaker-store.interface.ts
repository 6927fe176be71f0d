import type {
  BreakerTry,
  WebhookBreakerRules,
  WebhookBreakerState,
  WebhookBreakerTransition,
} from '../core/limits/circuit-breaker';

/** Injection token of the {@link WebhookBreakerStore} the module uses. */
export const WEBHOOK_BREAKER_STORE = Symbol('WEBHOOK_BREAKER_STORE');

/**
 * The circuit breakers per target host, shared by every instance: results counted, breakers opened and
 * closed, one probe at a time let through. Every implementation passes the breaker cases of
 * `attemptStoreContract()` of `nestjs-webhooks/testing`.
 */
export interface WebhookBreakerStore {
  /** Counts try results (in the order given) per host; returns the breakers that opened or closed. */
  record(tries: readonly BreakerTry[], rules: WebhookBreakerRules, now: number): Promise<WebhookBreakerTransition[]>;
  /** Makes this caller the probe of a host whose cool-down is over; whether it did. */
  claimProbe(host: string, rules: WebhookBreakerRules, now: number): Promise<boolean>;
  /** The breakers that are not closed. */
  notClosed(): Promise<WebhookBreakerState[]>;
  /** Every breaker known, by host. */
  list(): Promise<WebhookBreakerState[]>;
}
