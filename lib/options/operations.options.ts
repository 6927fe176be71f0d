import { bool, integer, object } from './option-values.validation';

/** Thresholds of the due backlog (`operations.backlog`). */
export interface WebhookBacklogOptions {
  /**
   * Due attempts (their time has come, no instance holds them) beyond which the backlog is exceeded: the
   * health indicator says down and `webhooks.backlog.exceeded` is emitted.
   * @default 10000
   */
  maxDue?: number;
  /**
   * Age (ms) of the oldest due attempt beyond which the backlog is exceeded.
   * @default 300000 (5 minutes)
   */
  maxOldestDueAgeMs?: number;
  /**
   * How often (ms) each instance looks at the backlog to emit `webhooks.backlog.exceeded` and
   * `webhooks.backlog.recovered`; 0 turns the check off (the health indicator still looks when asked).
   * @default 60000
   */
  checkInterval?: number;
}

/** Metrics, traces, the health indicator's thresholds and operational events (docs/operations.md). */
export interface WebhooksOperationsOptions {
  /**
   * Record metrics through `@opentelemetry/api` (when the application has it; without an SDK they cost
   * nothing but a no-op call).
   * @default true
   */
  metrics?: boolean;
  /**
   * Trace dispatches and tries through `@opentelemetry/api`, storing the dispatch's trace context with the
   * outbox rows so that the try continues the trace (after the commit, in another instance, after a restart).
   * @default true
   */
  tracing?: boolean;
  /**
   * Send a W3C `traceparent` header to receivers (the try's span as parent).
   * @default false
   */
  propagateTraceContext?: boolean;
  /**
   * Add a `subscription_id` label to the delivery metrics. Off by default: a label per subscription makes
   * a time series per subscription.
   * @default false
   */
  subscriptionLabels?: boolean;
  /** Thresholds of the due backlog. */
  backlog?: WebhookBacklogOptions;
  /**
   * Also deliver the operational events (`webhooks.subscription.deactivated`, `.paused`, `.activated`,
   * `webhooks.backlog.exceeded`, `.recovered`) as webhooks, to the active subscriptions with a pattern
   * starting with `webhooks.` that matches them (`webhooks.subscription.*`, `webhooks.backlog.*`, an exact
   * name): a catch-all `*` does not make a subscription an operations one.
   * @default false
   */
  webhooks?: boolean;
}

/** {@link WebhooksOperationsOptions} with the defaults applied. */
export interface ResolvedOperationsOptions {
  metrics: boolean;
  tracing: boolean;
  propagateTraceContext: boolean;
  subscriptionLabels: boolean;
  backlog: Required<WebhookBacklogOptions>;
  webhooks: boolean;
}

/** The documented defaults of `operations`. */
export const OPERATIONS_DEFAULTS: ResolvedOperationsOptions = {
  metrics: true,
  tracing: true,
  propagateTraceContext: false,
  subscriptionLabels: false,
  backlog: { maxDue: 10_000, maxOldestDueAgeMs: 300_000, checkInterval: 60_000 },
  webhooks: false,
};

const KNOWN = ['metrics', 'tracing', 'propagateTraceContext', 'subscriptionLabels', 'backlog', 'webhooks'];
const KNOWN_BACKLOG = ['maxDue', 'maxOldestDueAgeMs', 'checkInterval'];

/** Validates `operations`, naming the option at fault (`operations.backlog.maxDue`). */
export function resolveOperationsOptions(raw: WebhooksOperationsOptions | undefined): ResolvedOperationsOptions {
  const options = object('operations', raw ?? {}, KNOWN);
  const backlog = object('operations.backlog', options.backlog ?? {}, KNOWN_BACKLOG);
  const d = OPERATIONS_DEFAULTS;
  return {
    metrics: bool('operations.metrics', options.metrics, d.metrics),
    tracing: bool('operations.tracing', options.tracing, d.tracing),
    propagateTraceContext: bool(
      'operations.propagateTraceContext',
      options.propagateTraceContext,
      d.propagateTraceContext,
    ),
    subscriptionLabels: bool('operations.subscriptionLabels', options.subscriptionLabels, d.subscriptionLabels),
    backlog: {
      maxDue: integer('operations.backlog.maxDue', backlog.maxDue, d.backlog.maxDue, 0, 1_000_000_000),
      maxOldestDueAgeMs: integer(
        'operations.backlog.maxOldestDueAgeMs',
        backlog.maxOldestDueAgeMs,
        d.backlog.maxOldestDueAgeMs,
        0,
        30 * 86_400_000,
      ),
      checkInterval: integer(
        'operations.backlog.checkInterval',
        backlog.checkInterval,
        d.backlog.checkInterval,
        0,
        86_400_000,
      ),
    },
    webhooks: bool('operations.webhooks', options.webhooks, d.webhooks),
  };
}
