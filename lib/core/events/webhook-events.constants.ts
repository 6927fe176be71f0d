/**
 * Names of the events the module emits on EventEmitter2 (`@OnEvent(WebhookEvents.attemptFailed)`).
 */
export const WebhookEvents = {
  /** A subscription was created: `{ subscription }`. */
  subscriptionCreated: 'webhooks.subscription.created',
  /** A subscription's fields were changed: `{ subscription, changes }`. */
  subscriptionUpdated: 'webhooks.subscription.updated',
  /** A subscription was activated: `{ subscription }`. */
  subscriptionActivated: 'webhooks.subscription.activated',
  /** A subscription was deactivated, by a person or by a rule: `{ subscription, reason }`. */
  subscriptionDeactivated: 'webhooks.subscription.deactivated',
  /**
   * A subscription was paused because its target asked to be sent less (429, 502, 503, 504, `Retry-After`):
   * `{ subscription, until }` (`until` a Date). Emitted when a pause begins, not each time one is extended.
   */
  subscriptionPaused: 'webhooks.subscription.paused',
  /** A subscription was deleted: `{ subscription }`. */
  subscriptionDeleted: 'webhooks.subscription.deleted',
  /** An attempt was resolved as successful: `{ attempt, subscription }`. */
  attemptSucceeded: 'webhooks.attempt.succeeded',
  /** An attempt was resolved as failed (no try left): `{ attempt, subscription }`. */
  attemptFailed: 'webhooks.attempt.failed',
  /** A try failed and another is scheduled: `{ attempt, subscription }`. */
  attemptRetrying: 'webhooks.attempt.retrying',
  /**
   * A subscription reached `authorization.preconditionFailureLimit` and was deactivated (a
   * `subscriptionDeactivated` event follows): `{ subscription, failures }`.
   */
  preconditionFailureLimitReached: 'webhooks.subscription.precondition-failure-limit-reached',
  /**
   * The due backlog passed `operations.backlog.maxDue` or `maxOldestDueAgeMs`, as an instance's periodic
   * check saw it: `{ due, oldestDueAgeMs, maxDue, maxOldestDueAgeMs, exceeded }` (`exceeded` lists
   * `'due'` and/or `'oldestDueAge'`). Emitted once when it passes, again only after a recovery.
   */
  backlogExceeded: 'webhooks.backlog.exceeded',
  /** The due backlog is back within its thresholds: the same payload, `exceeded` empty. */
  backlogRecovered: 'webhooks.backlog.recovered',
  /** A target host's circuit breaker opened: no tries to it until `openUntil`: `{ host, reason, openUntil, at }`. */
  breakerOpened: 'webhooks.breaker.opened',
  /** A target host's circuit breaker closed after a successful probe: `{ host, at }`. */
  breakerClosed: 'webhooks.breaker.closed',
} as const;
