import type { WebhookAttemptStore } from '../../stores/attempt-store.interface';
import type { WebhookBreakerStore } from '../../stores/breaker-store.interface';
import type { WebhookSubscriptionStore } from '../../stores/subscription-store.interface';

/** The stores of one application instance. */
export interface WebhookStores {
  subscriptions: WebhookSubscriptionStore;
  attempts: WebhookAttemptStore;
  /** The circuit breakers (their cases are skipped without). */
  breakers?: WebhookBreakerStore;
}

/**
 * What one contract case runs against: the stores, on empty storage, and what closes them. A store kept
 * outside the process (a database) gives `peers` too: the stores of other instances over the same data, so
 * that the racing cases race instances, as the module's instances do, and not only calls of one.
 */
export interface WebhookStoreHarness extends WebhookStores {
  /** Other instances' stores over the same data (the racing cases spread their calls over them). */
  peers?: WebhookStores[];
  /** Called once the case is over, passed or failed. */
  close(): Promise<void>;
}

/** One case of a store contract, for any test runner: `it(c.name, c.run)`. */
export interface WebhookStoreContractCase {
  name: string;
  /** Creates a harness, runs the case against it and closes it; rejects when the store breaks the contract. */
  run(): Promise<void>;
}
