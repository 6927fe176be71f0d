import {
  MAX_RETRY_ATTEMPTS,
  MAX_RETRY_DELAY_MS,
  retryAttemptsReason,
  retryDelayReason,
  retryFactorReason,
  retryJitterReason,
  retryMaxDelayReason,
  retryPolicyObjectReason,
  retryScheduleConflictReason,
  retryScheduleReason,
  throttlePauseReason,
  unknownRetryKeyReason,
} from './retry.messages';

/**
 * How the failed tries of a delivery are retried: exponential backoff (`firstDelay`, `factor`,
 * `maxDelay`) or an explicit `schedule`, with jitter. Set for the module (`forRoot({ retry })`) and
 * overridden per subscription (`create({ retry })`); a subscription's fields replace the module's one by
 * one, and a subscription giving `schedule` (or any of `firstDelay`, `factor`, `maxDelay`) brings its
 * own shape of delays.
 */
export interface WebhookRetryPolicy {
  /**
   * Total tries of one delivery, the first included; `1` turns retries off.
   * @default 8
   */
  attempts?: number;
  /**
   * Delay (ms) between the first and the second try.
   * @default 5_000 (5 seconds)
   */
  firstDelay?: number;
  /**
   * Each further delay is the previous one times this (exponential backoff).
   * @default 6
   */
  factor?: number;
  /**
   * The longest delay (ms) between two tries.
   * @default 36_000_000 (10 hours)
   */
  maxDelay?: number;
  /**
   * Random spread that keeps retries of many deliveries from arriving together: each delay moves by up
   * to ±`jitter` × delay (never above `maxDelay`). `0` gives exact delays.
   * @default 0.2
   */
  jitter?: number;
  /**
   * Explicit delays (ms) before the 2nd, 3rd, ... try, instead of `firstDelay`/`factor`/`maxDelay`; when
   * `attempts` asks for more tries than the list has delays, the last delay repeats. Svix's schedule is
   * `[5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]`.
   * @default undefined (exponential backoff); `attempts` then defaults to the list's length + 1
   */
  schedule?: number[];
}

/** The module-wide retry settings (`forRoot({ retry })`): the default policy plus throttling rules. */
export interface WebhookRetryOptions extends WebhookRetryPolicy {
  /**
   * The longest `Retry-After` (ms) honoured; a longer one is cut to this. The delay before the next try
   * is never shorter than what the receiver asked (up to this cap).
   * @default 3_600_000 (1 hour)
   */
  maxRetryAfter?: number;
  /**
   * How long (ms) a subscription is paused after its target answered 429, 502, 503 or 504 without a
   * `Retry-After` (with one, the pause lasts what it says, capped by `maxRetryAfter`). While paused, none
   * of its deliveries is tried, on any instance; they wait without using up tries. `0` never pauses.
   * @default 60_000 (1 minute)
   */
  throttlePause?: number;
}

/** A retry policy with every field settled. */
export interface ResolvedRetryPolicy {
  attempts: number;
  firstDelay: number;
  factor: number;
  maxDelay: number;
  jitter: number;
  /** Explicit delays, or `null` for exponential backoff. */
  schedule: number[] | null;
}

/** The module's retry settings, validated, with the defaults applied. */
export interface ResolvedRetryOptions extends ResolvedRetryPolicy {
  maxRetryAfter: number;
  throttlePause: number;
}

/** The documented defaults of {@link WebhookRetryOptions}: 8 tries over about 22 hours. */
export const WEBHOOK_RETRY_DEFAULTS = {
  attempts: 8,
  firstDelay: 5_000,
  factor: 6,
  maxDelay: 36_000_000,
  jitter: 0.2,
  maxRetryAfter: 3_600_000,
  throttlePause: 60_000,
} as const;

/** The keys of a per-subscription policy. */
const RETRY_POLICY_KEYS = ['attempts', 'firstDelay', 'factor', 'maxDelay', 'jitter', 'schedule'] as const;

/** The keys of the module's `retry` option. */
const RETRY_OPTION_KEYS = [...RETRY_POLICY_KEYS, 'maxRetryAfter', 'throttlePause'] as const;

const BACKOFF_KEYS = ['firstDelay', 'factor', 'maxDelay'] as const;

/** Reports a bad field: `field` is the full path (`retry.factor`), `reason` follows it. */
export type RetryFieldFailure = (field: string, reason: string) => never;

/**
 * Checks a per-subscription policy (or the policy part of the module option) and returns the fields that
 * were given, normalized; `null` for `null`/`undefined`.
 *
 * @param path The name of the input (`retry`, `subscriptions[0].retry`), prefixed to field names.
 * @param fail Throws the caller's error type (validation or configuration).
 * @param keys The allowed keys.
 * @default keys RETRY_POLICY_KEYS
 */
export function parseRetryPolicy(
  raw: unknown,
  path: string,
  fail: RetryFieldFailure,
  keys: readonly string[] = RETRY_POLICY_KEYS,
): WebhookRetryPolicy | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(path, retryPolicyObjectReason());
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!keys.includes(key)) fail(`${path}.${key}`, unknownRetryKeyReason(keys));
  }
  const policy: WebhookRetryPolicy = {};
  if (input.attempts !== undefined) {
    policy.attempts = wholeNumber(
      input.attempts,
      1,
      MAX_RETRY_ATTEMPTS,
      `${path}.attempts`,
      retryAttemptsReason(),
      fail,
    );
  }
  if (input.firstDelay !== undefined) {
    policy.firstDelay = wholeNumber(
      input.firstDelay,
      0,
      MAX_RETRY_DELAY_MS,
      `${path}.firstDelay`,
      retryDelayReason(),
      fail,
    );
  }
  if (input.factor !== undefined) {
    const factor = input.factor;
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 100)
      fail(`${path}.factor`, retryFactorReason());
    policy.factor = factor;
  }
  if (input.maxDelay !== undefined) {
    policy.maxDelay = wholeNumber(input.maxDelay, 0, MAX_RETRY_DELAY_MS, `${path}.maxDelay`, retryDelayReason(), fail);
    if (policy.firstDelay !== undefined && policy.maxDelay < policy.firstDelay) {
      fail(`${path}.maxDelay`, retryMaxDelayReason(policy.firstDelay));
    }
  }
  if (input.jitter !== undefined) {
    const jitter = input.jitter;
    if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter > 1)
      fail(`${path}.jitter`, retryJitterReason());
    policy.jitter = jitter;
  }
  if (input.schedule !== undefined) {
    const schedule = input.schedule;
    if (!Array.isArray(schedule) || schedule.length === 0 || schedule.length >= MAX_RETRY_ATTEMPTS) {
      fail(`${path}.schedule`, retryScheduleReason());
    }
    policy.schedule = schedule.map((delay, index) =>
      wholeNumber(delay, 0, MAX_RETRY_DELAY_MS, `${path}.schedule[${index}]`, retryDelayReason(), fail),
    );
    const given = BACKOFF_KEYS.filter((key) => input[key] !== undefined);
    if (given.length > 0) fail(`${path}.schedule`, retryScheduleConflictReason(given));
  }
  return policy;
}

/**
 * Checks the module's `retry` option and applies the defaults.
 *
 * @param fail Throws a configuration error naming the option.
 */
export function resolveRetryOptions(raw: unknown, fail: RetryFieldFailure): ResolvedRetryOptions {
  const given = parseRetryPolicy(raw ?? {}, 'retry', fail, RETRY_OPTION_KEYS) ?? {};
  const input = (raw ?? {}) as WebhookRetryOptions;
  const d = WEBHOOK_RETRY_DEFAULTS;
  const firstDelay = given.firstDelay ?? d.firstDelay;
  const maxDelay = given.maxDelay ?? Math.max(d.maxDelay, firstDelay);
  if (maxDelay < firstDelay) fail('retry.maxDelay', retryMaxDelayReason(firstDelay));
  const schedule = given.schedule ?? null;
  return {
    attempts: given.attempts ?? (schedule ? schedule.length + 1 : d.attempts),
    firstDelay,
    factor: given.factor ?? d.factor,
    maxDelay,
    jitter: given.jitter ?? d.jitter,
    schedule,
    maxRetryAfter:
      input.maxRetryAfter === undefined
        ? d.maxRetryAfter
        : wholeNumber(input.maxRetryAfter, 0, MAX_RETRY_DELAY_MS, 'retry.maxRetryAfter', retryDelayReason(), fail),
    throttlePause:
      input.throttlePause === undefined
        ? d.throttlePause
        : wholeNumber(input.throttlePause, 0, MAX_RETRY_DELAY_MS, 'retry.throttlePause', throttlePauseReason(), fail),
  };
}

/**
 * The policy that applies to a subscription: the module's, with the subscription's override laid over
 * it. An override with `schedule` brings its delays; one with any of `firstDelay`, `factor`, `maxDelay`
 * switches to exponential backoff (missing fields from the module, or the defaults when the module uses
 * a schedule); `attempts` and `jitter` replace the module's alone.
 */
export function effectiveRetryPolicy(
  module: ResolvedRetryPolicy,
  override: WebhookRetryPolicy | null | undefined,
): ResolvedRetryPolicy {
  if (!override) return module;
  const jitter = override.jitter ?? module.jitter;
  if (override.schedule) {
    return {
      ...module,
      schedule: override.schedule,
      attempts: override.attempts ?? override.schedule.length + 1,
      jitter,
    };
  }
  if (BACKOFF_KEYS.some((key) => override[key] !== undefined)) {
    const base = module.schedule ? WEBHOOK_RETRY_DEFAULTS : module;
    const firstDelay = override.firstDelay ?? base.firstDelay;
    return {
      attempts: override.attempts ?? module.attempts,
      firstDelay,
      factor: override.factor ?? base.factor,
      maxDelay: Math.max(override.maxDelay ?? base.maxDelay, firstDelay),
      jitter,
      schedule: null,
    };
  }
  return { ...module, attempts: override.attempts ?? module.attempts, jitter };
}

/**
 * The delay (ms) before the next try, after `triesDone` tries (1 after the first): the schedule's entry
 * (the last one repeating) or `firstDelay × factor^(triesDone − 1)` capped at `maxDelay`, then moved by
 * up to ±`jitter` (never above `maxDelay` for backoff, never below 0).
 *
 * @param random A source of uniform numbers in [0, 1).
 * @default random Math.random
 */
export function retryDelay(policy: ResolvedRetryPolicy, triesDone: number, random: () => number = Math.random): number {
  const k = Math.max(1, triesDone);
  const base = policy.schedule
    ? policy.schedule[Math.min(k, policy.schedule.length) - 1]
    : Math.min(policy.firstDelay * policy.factor ** (k - 1), policy.maxDelay);
  let delay = Math.round(base + policy.jitter * base * (2 * random() - 1));
  if (!policy.schedule) delay = Math.min(delay, policy.maxDelay);
  return Math.max(0, delay);
}

function wholeNumber(
  value: unknown,
  min: number,
  max: number,
  field: string,
  reason: string,
  fail: RetryFieldFailure,
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(field, reason);
  return value;
}
