/** The rules of the circuit breakers (`breaker` module option), resolved. */
export interface WebhookBreakerRules {
  /** Consecutive failed tries to a host that open its breaker. */
  consecutiveFailures: number;
  /** Share of failed tries within `window` that opens it (with at least `minimumTries`); `null`: not used. */
  failureRatio: number | null;
  /** The failure-ratio window (ms). */
  window: number;
  minimumTries: number;
  /** How long (ms) an open breaker waits before one probe is let through. */
  coolDown: number;
  /** How long (ms) a probe holds a half-open breaker before another instance may probe. */
  probeTimeout: number;
}

/** A target host's breaker as stored. */
export interface WebhookBreakerState {
  host: string;
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  windowStart: number;
  windowTries: number;
  windowFailures: number;
  openUntil: number | null;
  probeUntil: number | null;
  changedAt: number;
}

/** A breaker that opened or closed (the outcome reactions turn into `webhooks.breaker.*` events). */
export interface WebhookBreakerTransition {
  host: string;
  state: 'opened' | 'closed';
  /** Why it opened: the consecutive failures or the failure ratio reached. */
  reason?: string;
  /** When it opened: until when no try is made (epoch ms). */
  openUntil?: number;
  at: number;
}

/** A try's result as the breaker counts it: whether the host answered well, and whether it was the probe. */
export interface BreakerTry {
  host: string;
  success: boolean;
  probe: boolean;
}

export const closedBreaker = (host: string, now: number): WebhookBreakerState => ({
  host,
  state: 'closed',
  consecutiveFailures: 0,
  windowStart: now,
  windowTries: 0,
  windowFailures: 0,
  openUntil: null,
  probeUntil: null,
  changedAt: now,
});

/**
 * A breaker after one try's result: a closed one counts it and opens at the limits; a half-open one closes
 * on its probe's success and opens again on its failure. Results of tries started before it opened (and the
 * other tries' while a probe runs) change nothing.
 */
export function applyBreakerTry(
  current: WebhookBreakerState,
  done: BreakerTry,
  rules: WebhookBreakerRules,
  now: number,
): { state: WebhookBreakerState; transition: WebhookBreakerTransition | null } {
  if (current.state === 'half-open') {
    if (!done.probe) return { state: current, transition: null };
    if (done.success) {
      return { state: closedBreaker(current.host, now), transition: { host: current.host, state: 'closed', at: now } };
    }
    return opened(current, 'the probe failed', rules, now);
  }
  if (current.state === 'open') return { state: current, transition: null };
  const fresh = now - current.windowStart >= rules.window;
  const next: WebhookBreakerState = {
    ...current,
    consecutiveFailures: done.success ? 0 : current.consecutiveFailures + 1,
    windowStart: fresh ? now : current.windowStart,
    windowTries: (fresh ? 0 : current.windowTries) + 1,
    windowFailures: (fresh ? 0 : current.windowFailures) + (done.success ? 0 : 1),
  };
  if (next.consecutiveFailures >= rules.consecutiveFailures) {
    return opened(next, `${next.consecutiveFailures} consecutive failed tries`, rules, now);
  }
  if (
    rules.failureRatio !== null &&
    next.windowTries >= rules.minimumTries &&
    next.windowFailures / next.windowTries >= rules.failureRatio
  ) {
    return opened(next, `${next.windowFailures} of ${next.windowTries} tries failed`, rules, now);
  }
  return { state: next, transition: null };
}

function opened(current: WebhookBreakerState, reason: string, rules: WebhookBreakerRules, now: number) {
  const openUntil = now + rules.coolDown;
  return {
    state: { ...current, state: 'open' as const, openUntil, probeUntil: null, changedAt: now },
    transition: { host: current.host, state: 'opened' as const, reason, openUntil, at: now },
  };
}

/** A breaker whose cool-down is over (or whose probe timed out) given to one probe; `null` when it is not. */
export function probedBreaker(
  current: WebhookBreakerState,
  rules: WebhookBreakerRules,
  now: number,
): WebhookBreakerState | null {
  const due =
    (current.state === 'open' && (current.openUntil ?? 0) <= now) ||
    (current.state === 'half-open' && (current.probeUntil ?? 0) <= now);
  return due ? { ...current, state: 'half-open', probeUntil: now + rules.probeTimeout, changedAt: now } : null;
}
