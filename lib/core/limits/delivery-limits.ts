import { limitFieldReason, rateLimitObjectReason } from './delivery-limits.messages';

/**
 * A subscription's rate limit, a token bucket: at most `burst` requests at once, refilled at `perSecond`;
 * over any stretch of `t` seconds its target receives at most `burst + perSecond × t` requests.
 */
export interface WebhookRateLimit {
  /** Requests per second, sustained (0.01 to 10 000). */
  perSecond: number;
  /**
   * Requests at once after a quiet spell (1 to 10 000). At least `perSecond × pollInterval / 1000` lets a
   * backlog go out at the full rate.
   * @default max(1, round(perSecond))
   */
  burst?: number;
}

/** Reports an invalid field (`rateLimit.perSecond`) with why; never returns. */
export type LimitFieldFailure = (field: string, reason: string) => never;

const MAX_RATE = 10_000;

/** The rate limit of a subscription's input (`null`: none); `path` names the field in errors. */
export function parseRateLimit(raw: unknown, path: string, fail: LimitFieldFailure): WebhookRateLimit | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(path, rateLimitObjectReason());
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (key !== 'perSecond' && key !== 'burst')
      fail(`${path}.${key}`, 'is not a field of a rate limit (perSecond, burst)');
  }
  const { perSecond, burst } = input;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond < 0.01 || perSecond > MAX_RATE) {
    fail(`${path}.perSecond`, limitFieldReason(0.01, MAX_RATE, false));
  }
  if (burst === undefined) return { perSecond };
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1 || burst > MAX_RATE) {
    fail(`${path}.burst`, limitFieldReason(1, MAX_RATE, true));
  }
  return { perSecond, burst };
}

/** The most tries in flight at once of a subscription's input (`null`: no limit). */
export function parseMaxInFlight(raw: unknown, path: string, fail: LimitFieldFailure): number | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_RATE) {
    fail(path, limitFieldReason(1, MAX_RATE, true));
  }
  return raw;
}

/** The bucket size of a rate limit. */
export const burstOf = (limit: WebhookRateLimit): number => limit.burst ?? Math.max(1, Math.round(limit.perSecond));

/** Microseconds between two requests at a rate limit's sustained rate. */
export const intervalMicros = (limit: WebhookRateLimit): number => Math.ceil(1_000_000 / limit.perSecond);

/**
 * How many of `wanted` requests a token bucket kept as a GCRA "theoretical arrival time" (`tat`, epoch µs)
 * lets go at `now` (epoch ms), with the new `tat`, and when (epoch ms) the next one will conform. The state
 * is one number, so that instances share it through one row.
 */
export function grantRate(
  limit: WebhookRateLimit,
  tat: number,
  now: number,
  wanted: number,
): { granted: number; tat: number; readyAt: number } {
  const t = intervalMicros(limit);
  const span = burstOf(limit) * t;
  const nowUs = now * 1000;
  const start = Math.max(tat, nowUs);
  // Request k (1-based) conforms when start + k·t − span ≤ now.
  const granted = Math.max(0, Math.min(wanted, Math.floor((nowUs + span - start) / t)));
  const next = start + granted * t;
  return { granted, tat: next, readyAt: Math.ceil((next + t - span) / 1000) };
}
