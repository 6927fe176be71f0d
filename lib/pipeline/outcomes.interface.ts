import type { WebhookBreakerTransition } from '../core/limits/circuit-breaker';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';

/** One try's result as committed, with what the try asked to follow from it. */
export interface RecordedTry {
  /** The attempt as written. */
  attempt: WebhookDeliveryAttempt;
  /** The subscription the try was made for, as the engine held it. */
  subscription: WebhookSubscription;
  /** Deactivate the subscription at once with this status message (e.g. after 410 Gone). */
  deactivate?: string;
  /** Pause the subscription until then (epoch ms): its target asked to be sent less (429, 503 ...). */
  pause?: number;
  /** Not tried, only put back to wait for the subscription's pause: nothing follows from it. */
  deferred?: boolean;
  /** The destination guard refused the target (a private or blocked address): no request was sent. */
  blocked?: boolean;
}

/** A batch of results, committed. */
export interface RecordedOutcome {
  tries: readonly RecordedTry[];
  /** Active subscriptions whose consecutive failures reached `attemptLimit` with this batch. */
  failing: readonly string[];
}

/** A subscription that could not be checked for an event: its owner, permission or dialect is missing. */
export interface PreconditionFailure {
  subscriptionId: string;
  /** What is missing, for the log. */
  reason: string;
}

/** An event raised, its attempts committed to the outbox (none when no subscription matched). */
export interface DispatchedEvent {
  event: string;
  /** Attempts written for it. */
  attempts: number;
}

/** The outcomes the stages report, by name. Reactions listen to them; nothing reports back. */
export interface WebhookOutcomes {
  recorded: RecordedOutcome;
  dispatched: DispatchedEvent;
  preconditionFailed: PreconditionFailure;
  /** A target host's circuit breaker opened or closed (the instance that counted the result reports it). */
  breaker: WebhookBreakerTransition;
}
