import type { WebhookAttemptStatus } from '../attempts/delivery-attempt.interface';
import { parseRetryAfter, THROTTLE_STATUS_CODES } from './retry-after.util';
import { type ResolvedRetryPolicy, retryDelay } from './retry.policy';
import { GONE_DEACTIVATION_MESSAGE } from '../messages/status.messages';

/** What is known about a try once it ended. */
export interface TryFacts {
  /** A 2xx response. */
  success: boolean;
  /** Whether trying again can help (false for a blocked or invalid destination, a dialect or signing error). */
  retryable: boolean;
  /** HTTP status, 0 without a response. */
  statusCode: number;
  /** The response's `Retry-After` header. */
  retryAfter?: string;
  /** Tries made so far, this one included. */
  triesDone: number;
  /** Whether the attempt may be retried at all (false for test events). */
  retries: boolean;
}

/** What happens after a try. */
export interface TryVerdict {
  /** The attempt's new status: `pending` when another try is scheduled. */
  status: WebhookAttemptStatus;
  /** When the next try is due (epoch ms), when there is one. */
  nextAttemptAt: number | null;
  /** Until when the subscription is paused (epoch ms), after a throttling answer. */
  pauseUntil: number | null;
  /** Deactivate the subscription at once with this status message. */
  deactivate?: string;
}

/** The module-wide throttling rules. */
export interface ThrottleRules {
  maxRetryAfter: number;
  throttlePause: number;
}

/**
 * Decides what follows a try:
 * - 2xx: the attempt succeeded.
 * - 429, 502, 503, 504: the subscription is paused for the `Retry-After` (capped) or `throttlePause`.
 * - 410 Gone: the attempt failed and the subscription is deactivated at once (REST Hooks).
 * - not retryable, no retries wanted, or every try of the policy used: the attempt failed.
 * - otherwise the next try is scheduled after the policy's delay, and never before the `Retry-After` or
 *   the end of the pause.
 */
export function judgeTry(
  facts: TryFacts,
  policy: ResolvedRetryPolicy,
  rules: ThrottleRules,
  now: number,
  random: () => number = Math.random,
): TryVerdict {
  if (facts.success) return { status: 'successful', nextAttemptAt: null, pauseUntil: null };
  const retryAfter = parseRetryAfter(facts.retryAfter, now, rules.maxRetryAfter);
  let pause = 0;
  if (THROTTLE_STATUS_CODES.has(facts.statusCode) && rules.throttlePause > 0) pause = retryAfter ?? rules.throttlePause;
  const pauseUntil = pause > 0 ? now + pause : null;
  if (facts.statusCode === 410) {
    return { status: 'failed', nextAttemptAt: null, pauseUntil, deactivate: GONE_DEACTIVATION_MESSAGE };
  }
  if (!facts.retryable || !facts.retries || facts.triesDone >= policy.attempts) {
    return { status: 'failed', nextAttemptAt: null, pauseUntil };
  }
  const delay = Math.max(retryDelay(policy, facts.triesDone, random), retryAfter ?? 0, pause);
  return { status: 'pending', nextAttemptAt: now + delay, pauseUntil };
}
