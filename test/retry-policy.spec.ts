import { describe, expect, it } from 'vitest';
import { WebhooksConfigurationError, WebhookValidationError, WebhooksModule } from '../lib';
import { WEBHOOK_RETRY_DEFAULTS } from '../lib/core/retry/retry.policy';
import { GONE_DEACTIVATION_MESSAGE } from '../lib/core/messages/status.messages';
import { parseRetryAfter } from '../lib/core/retry/retry-after.util';
import { effectiveRetryPolicy, type ResolvedRetryPolicy, retryDelay } from '../lib/core/retry/retry.policy';
import { parseRetryPolicy, resolveRetryOptions } from '../lib/core/retry/retry.policy';
import { judgeTry, type TryFacts } from '../lib/core/retry/retry.planner';

const S = 1_000;
const H = 3_600_000;
const invalid = (field: string, reason: string): never => {
  throw new WebhookValidationError(field, reason);
};
const exact = (policy: Partial<ResolvedRetryPolicy> = {}): ResolvedRetryPolicy => ({
  ...resolveRetryOptions({}, invalid),
  jitter: 0,
  ...policy,
});
const rules = { maxRetryAfter: 2 * 60 * S, throttlePause: 30 * S };

function thrown(fn: () => unknown): WebhookValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookValidationError);
    return error as WebhookValidationError;
  }
  throw new Error('expected a WebhookValidationError');
}

describe('retry policy', () => {
  it('defaults to 8 tries over about a day: 5 s × 6^n capped at 10 h, ±20% jitter', () => {
    const policy = resolveRetryOptions(undefined, invalid);
    expect(policy).toEqual({ ...WEBHOOK_RETRY_DEFAULTS, schedule: null });
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay({ ...policy, jitter: 0 }, n));
    expect(delays).toEqual([5 * S, 30 * S, 180 * S, 1_080 * S, 6_480 * S, 10 * H, 10 * H]);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20 * H);
    expect(total).toBeLessThan(26 * H);
  });

  it('spreads delays by the jitter, never above maxDelay', () => {
    const policy = exact({ jitter: 0.2 });
    expect(retryDelay(policy, 1, () => 0)).toBe(4 * S);
    expect(retryDelay(policy, 1, () => 0.5)).toBe(5 * S);
    expect(retryDelay(policy, 1, () => 0.999999)).toBe(6 * S);
    expect(retryDelay(policy, 7, () => 0.999999)).toBe(10 * H);
    expect(retryDelay(policy, 7, () => 0)).toBe(8 * H);
    const seen = new Set(Array.from({ length: 200 }, () => retryDelay(policy, 2)));
    for (const delay of seen) {
      expect(delay).toBeGreaterThanOrEqual(24 * S);
      expect(delay).toBeLessThanOrEqual(36 * S);
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it('follows an explicit schedule, repeating its last delay when more tries are asked', () => {
    const policy = exact({ schedule: [1 * S, 7 * S], attempts: 5 });
    expect([1, 2, 3, 4].map((n) => retryDelay(policy, n))).toEqual([1 * S, 7 * S, 7 * S, 7 * S]);
    const module = resolveRetryOptions({ schedule: [2 * S, 3 * S, 4 * S] }, invalid);
    expect(module.attempts).toBe(4);
  });

  it('lays a subscription override over the module policy', () => {
    const module = exact({ firstDelay: 10 * S, factor: 3, maxDelay: 60 * S, attempts: 4 });
    expect(effectiveRetryPolicy(module, null)).toBe(module);
    expect(effectiveRetryPolicy(module, { attempts: 2 })).toEqual({ ...module, attempts: 2 });
    expect(effectiveRetryPolicy(module, { schedule: [S, 2 * S] })).toMatchObject({ schedule: [S, 2 * S], attempts: 3 });
    expect(effectiveRetryPolicy(module, { firstDelay: S })).toMatchObject({
      firstDelay: S,
      factor: 3,
      maxDelay: 60 * S,
      attempts: 4,
      schedule: null,
    });
    const scheduled = exact({ schedule: [S] });
    expect(effectiveRetryPolicy(scheduled, { factor: 2 })).toMatchObject({
      schedule: null,
      factor: 2,
      firstDelay: WEBHOOK_RETRY_DEFAULTS.firstDelay,
      maxDelay: WEBHOOK_RETRY_DEFAULTS.maxDelay,
    });
  });

  it('rejects bad policies naming the field', () => {
    const cases: Array<[unknown, string]> = [
      ['often', 'retry'],
      [[1, 2], 'retry'],
      [{ attempts: 0 }, 'retry.attempts'],
      [{ attempts: 1.5 }, 'retry.attempts'],
      [{ attempts: 101 }, 'retry.attempts'],
      [{ firstDelay: -1 }, 'retry.firstDelay'],
      [{ firstDelay: '5s' }, 'retry.firstDelay'],
      [{ factor: 0.5 }, 'retry.factor'],
      [{ maxDelay: 8 * 24 * H }, 'retry.maxDelay'],
      [{ firstDelay: 10 * S, maxDelay: S }, 'retry.maxDelay'],
      [{ jitter: 2 }, 'retry.jitter'],
      [{ schedule: [] }, 'retry.schedule'],
      [{ schedule: [S, -5] }, 'retry.schedule[1]'],
      [{ schedule: [S], factor: 2 }, 'retry.schedule'],
      [{ tries: 3 }, 'retry.tries'],
      [{ maxRetryAfter: 1 }, 'retry.maxRetryAfter'],
    ];
    for (const [input, field] of cases)
      expect(thrown(() => parseRetryPolicy(input, 'retry', invalid)).field).toBe(field);
    expect(thrown(() => parseRetryPolicy({ factor: 0 }, 'retry', invalid)).message).toBe(
      'retry.factor must be a number from 1 to 100 (each delay is the previous one times it)',
    );
    expect(parseRetryPolicy(null, 'retry', invalid)).toBeNull();
    expect(parseRetryPolicy({ attempts: 3 }, 'retry', invalid)).toEqual({ attempts: 3 });
  });

  it('rejects a bad module option at import time with a configuration error naming it', () => {
    expect(() => WebhooksModule.forRoot({ retry: { factor: 0 } })).toThrow(WebhooksConfigurationError);
    let error: unknown;
    try {
      WebhooksModule.forRoot({ retry: { throttlePause: -1 } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebhooksConfigurationError);
    expect(error).toMatchObject({ option: 'retry.throttlePause' });
    expect((error as Error).message).toContain('retry.throttlePause');
    expect(() => WebhooksModule.forRoot({ retry: { atempts: 3 } as never })).toThrow(/retry\.atempts/);
    expect(() =>
      WebhooksModule.forRoot({ subscriptions: [{ to: 'https://a.example/h', retry: { jitter: 3 } }] }),
    ).toThrow(/subscriptions\[0\]\.retry\.jitter/);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);

  it('reads delay-seconds and HTTP dates, capped', () => {
    expect(parseRetryAfter('120', now, 10 * 60 * S)).toBe(120 * S);
    expect(parseRetryAfter(' 0 ', now, H)).toBe(0);
    expect(parseRetryAfter('7200', now, H)).toBe(H);
    expect(parseRetryAfter(new Date(now + 90 * S).toUTCString(), now, H)).toBe(90 * S);
    expect(parseRetryAfter('Tue, 01 Jan 2030 11:00:00 GMT', now, H)).toBe(0);
    expect(parseRetryAfter(new Date(now + 5 * H).toUTCString(), now, H)).toBe(H);
  });

  it('ignores what it cannot read', () => {
    for (const value of [undefined, '', 'soon', '-5', '1.5', '12abc'])
      expect(parseRetryAfter(value, now, H)).toBeUndefined();
  });
});

describe('what follows a try', () => {
  const now = 1_000_000;
  const policy = exact({ attempts: 3, firstDelay: 10 * S, factor: 2 });
  const facts = (extra: Partial<TryFacts>): TryFacts => ({
    success: false,
    retryable: true,
    statusCode: 500,
    triesDone: 1,
    retries: true,
    ...extra,
  });

  it('schedules the next try while tries remain, then fails', () => {
    expect(judgeTry(facts({ success: true, statusCode: 200 }), policy, rules, now)).toEqual({
      status: 'successful',
      nextAttemptAt: null,
      pauseUntil: null,
    });
    expect(judgeTry(facts({}), policy, rules, now)).toEqual({
      status: 'pending',
      nextAttemptAt: now + 10 * S,
      pauseUntil: null,
    });
    expect(judgeTry(facts({ triesDone: 2 }), policy, rules, now)).toEqual({
      status: 'pending',
      nextAttemptAt: now + 20 * S,
      pauseUntil: null,
    });
    expect(judgeTry(facts({ triesDone: 3 }), policy, rules, now)).toMatchObject({
      status: 'failed',
      nextAttemptAt: null,
    });
  });

  it('never retries what cannot improve, nor test events', () => {
    expect(judgeTry(facts({ retryable: false, statusCode: 0 }), policy, rules, now).status).toBe('failed');
    expect(judgeTry(facts({ retries: false }), policy, rules, now).status).toBe('failed');
  });

  it('treats a redirect as a failure to retry', () => {
    expect(judgeTry(facts({ statusCode: 302 }), policy, rules, now).status).toBe('pending');
  });

  it('deactivates on 410 Gone without retrying', () => {
    expect(judgeTry(facts({ statusCode: 410 }), policy, rules, now)).toEqual({
      status: 'failed',
      nextAttemptAt: null,
      pauseUntil: null,
      deactivate: GONE_DEACTIVATION_MESSAGE,
    });
    expect(GONE_DEACTIVATION_MESSAGE).toContain('410 Gone');
  });

  it('honours Retry-After as the shortest wait, and pauses on 429/502/503/504', () => {
    expect(judgeTry(facts({ retryAfter: '45' }), policy, rules, now)).toEqual({
      status: 'pending',
      nextAttemptAt: now + 45 * S,
      pauseUntil: null,
    });
    expect(judgeTry(facts({ retryAfter: '5' }), policy, rules, now).nextAttemptAt).toBe(now + 10 * S);
    expect(judgeTry(facts({ retryAfter: '99999' }), policy, rules, now).nextAttemptAt).toBe(now + 2 * 60 * S);
    for (const statusCode of [429, 502, 503, 504]) {
      expect(judgeTry(facts({ statusCode }), policy, rules, now)).toEqual({
        status: 'pending',
        nextAttemptAt: now + 30 * S,
        pauseUntil: now + 30 * S,
      });
    }
    expect(judgeTry(facts({ statusCode: 429, retryAfter: '20' }), policy, rules, now)).toEqual({
      status: 'pending',
      nextAttemptAt: now + 20 * S,
      pauseUntil: now + 20 * S,
    });
    // Out of tries, the pause still protects the target from the rest of the batch.
    expect(judgeTry(facts({ statusCode: 503, triesDone: 3 }), policy, rules, now)).toEqual({
      status: 'failed',
      nextAttemptAt: null,
      pauseUntil: now + 30 * S,
    });
    expect(judgeTry(facts({ statusCode: 503 }), policy, { ...rules, throttlePause: 0 }, now).pauseUntil).toBeNull();
  });
});
