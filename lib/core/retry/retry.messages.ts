/**
 * The messages of retries: validation reasons for retry policies (they follow the field name, e.g.
 * `retry.factor must be ...`) and the status messages retries and throttling leave on attempts and
 * subscriptions.
 */

/** The longest delay a policy may ask for, and the longest Retry-After cap: 7 days. */
export const MAX_RETRY_DELAY_MS = 7 * 24 * 3_600_000;

/** The most tries a policy may ask for. */
export const MAX_RETRY_ATTEMPTS = 100;

/** Reason: the policy is not an object. */
export const retryPolicyObjectReason = (): string =>
  'must be an object such as { attempts: 5, firstDelay: 10000 } (or null for the module default)';

/** Reason: an unknown key in a policy. */
export const unknownRetryKeyReason = (known: readonly string[]): string =>
  `is not a retry option (known: ${known.join(', ')})`;

/** Reason: `attempts` out of range. */
export const retryAttemptsReason = (): string =>
  `must be a whole number from 1 to ${MAX_RETRY_ATTEMPTS}: the total tries of a delivery, the first included (1 turns retries off)`;

/** Reason: a delay out of range. */
export const retryDelayReason = (): string =>
  `must be a whole number of milliseconds from 0 to ${MAX_RETRY_DELAY_MS} (7 days)`;

/** Reason: `factor` out of range. */
export const retryFactorReason = (): string =>
  'must be a number from 1 to 100 (each delay is the previous one times it)';

/** Reason: `jitter` out of range. */
export const retryJitterReason = (): string => 'must be a number from 0 to 1 (0.2 moves each delay by up to ±20%)';

/** Reason: `schedule` is not a list of delays. */
export const retryScheduleReason = (): string =>
  `must be a list of 1 to ${MAX_RETRY_ATTEMPTS - 1} delays in milliseconds, each a whole number from 0 to ${MAX_RETRY_DELAY_MS} (7 days)`;

/** Reason: `schedule` given together with the exponential settings. */
export const retryScheduleConflictReason = (given: readonly string[]): string =>
  `cannot be combined with ${given.join(', ')}: an explicit schedule replaces firstDelay, factor and maxDelay`;

/** Reason: `maxDelay` below `firstDelay`. */
export const retryMaxDelayReason = (firstDelay: number): string =>
  `must not be less than firstDelay (${firstDelay} ms)`;

/** Reason: the pause after throttling is out of range. */
export const throttlePauseReason = (): string =>
  `must be a whole number of milliseconds from 0 (never pause) to ${MAX_RETRY_DELAY_MS} (7 days)`;
