import { Inject, Injectable } from '@nestjs/common';
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { RETRY_CANCELLED_MESSAGE } from '../core/messages/status.messages';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import type { RecordedTry } from '../pipeline/outcomes.interface';
import { WebhookTelemetry } from '../pipeline/webhook-telemetry';

/** The `outcome` label of `webhooks.deliveries`. */
export type DeliveryMetricOutcome = 'succeeded' | 'failed' | 'retrying' | 'blocked';

/** Bucket bounds (s) of the try duration and lag histograms: 5 ms to 5 minutes. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The delivery metrics, recorded from outcomes — never on the path of a try: `webhooks.events.dispatched`
 * when an event's attempts commit, and per recorded try `webhooks.deliveries`, `webhooks.delivery.duration`
 * and (first tries) `webhooks.delivery.lag`. Listens to nothing when metrics are off or
 * `@opentelemetry/api` is missing. Labels stay bounded: the event type, the outcome, and the subscription's
 * id only with `operations.subscriptionLabels`.
 */
@Injectable()
export class DeliveryMetricsReaction {
  constructor(
    telemetry: WebhookTelemetry,
    outcomes: WebhookOutcomeBus,
    @Inject(WEBHOOKS_MODULE_OPTIONS) options: ResolvedWebhooksOptions,
  ) {
    const meter = telemetry.meter;
    if (!meter) return;
    const dispatched = meter.createCounter('webhooks.events.dispatched', {
      description: 'Events raised whose attempts were committed to the outbox.',
      unit: '{event}',
    });
    const deliveries = meter.createCounter('webhooks.deliveries', {
      description: 'Tries of webhook attempts, by outcome: succeeded, failed (no try left), retrying, blocked.',
      unit: '{delivery}',
    });
    const duration = meter.createHistogram('webhooks.delivery.duration', {
      description: 'Duration of one HTTP try, request built to response read.',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    const lag = meter.createHistogram('webhooks.delivery.lag', {
      description: "From the event's outbox row written to its first try's request sent.",
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    const bySubscription = options.operations.subscriptionLabels;
    // Label sets per event type, made once: event types are few (the catalog's), tries are many.
    const labels = new Map<string, EventLabels>();
    const labelsOf = (event: string): EventLabels => {
      let set = labels.get(event);
      if (!set) {
        // The cap only guards against unbounded growth (as the pattern cache does).
        if (labels.size >= 10_000) labels.clear();
        labels.set(event, (set = eventLabels(event)));
      }
      return set;
    };
    outcomes.on('dispatched', ({ event }) => dispatched.add(1, labelsOf(event).event));
    outcomes.on('recorded', ({ tries }) => {
      for (const tried of tries) {
        record(tried, bySubscription ? undefined : labelsOf(tried.attempt.event), deliveries, duration, lag);
      }
    });
  }
}

/** The attributes of one event type: alone, and with each outcome. */
interface EventLabels {
  event: Attributes;
  outcomes: Record<DeliveryMetricOutcome, Attributes>;
}

function eventLabels(event: string): EventLabels {
  const outcome = (name: DeliveryMetricOutcome) => ({ event_type: event, outcome: name });
  return {
    event: { event_type: event },
    outcomes: {
      succeeded: outcome('succeeded'),
      failed: outcome('failed'),
      retrying: outcome('retrying'),
      blocked: outcome('blocked'),
    },
  };
}

/** Records one try; `labels` are the event type's, or `undefined` to label by subscription too. */
function record(
  { attempt, deferred, blocked }: RecordedTry,
  cached: EventLabels | undefined,
  deliveries: Counter,
  duration: Histogram,
  lag: Histogram,
): void {
  // Not tried: put back for a pause, or a retry dropped because its subscription is inactive.
  if (deferred || attempt.message === RETRY_CANCELLED_MESSAGE) return;
  const last = attempt.tries[attempt.tries.length - 1];
  if (!last) return;
  const outcome: DeliveryMetricOutcome = blocked
    ? 'blocked'
    : attempt.status === 'successful'
      ? 'succeeded'
      : attempt.status === 'failed'
        ? 'failed'
        : 'retrying';
  const labels: Attributes = cached
    ? cached.event
    : { event_type: attempt.event, subscription_id: attempt.subscriptionId };
  deliveries.add(1, cached ? cached.outcomes[outcome] : { ...labels, outcome });
  duration.record(last.elapsedMs / 1000, labels);
  if (last.number === 1) lag.record(Math.max(0, Date.parse(last.at) - attempt.createdAt.getTime()) / 1000, labels);
}
