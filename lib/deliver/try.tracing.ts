import type { Attributes, Tracer } from '@opentelemetry/api';
import type { OpenTelemetry } from '../core/telemetry/opentelemetry.loader';
import { contextOf, traceparentOf } from '../core/telemetry/trace-context.util';
import type { WebhookTransportRequest } from '../options/webhook-transport.interface';
import type { WebhookTelemetry } from '../pipeline/webhook-telemetry';
import type { TryResult } from '../record/attempt.recorder';
import type { DeliveryJob } from './delivery-job.interface';
import { targetParts } from '../core/util/target-url.util';

/** Called with the request just before it is sent (to add headers). */
export type BeforeSend = (request: WebhookTransportRequest) => void;

/**
 * Watches a try from start to end: the one hook of the try (`DeliveryTry.run`), there only when something
 * watches (tracing on), so that a try without it pays one check.
 */
export interface DeliveryTryObserver {
  /** Makes the try with `make`, watching it; resolves with its result. */
  observe(job: DeliveryJob, make: (beforeSend?: BeforeSend) => Promise<TryResult>): Promise<TryResult>;
}

/**
 * A client span per HTTP try, by OpenTelemetry's HTTP client conventions (`POST`, `http.request.method`,
 * `url.full`, `server.address`, `http.response.status_code`, `http.request.resend_count`), whose parent is
 * the dispatch's span stored with the outbox row: the trace goes on after the commit, in another instance,
 * after a restart. Attempts stored without a trace context start a trace of their own (never the context
 * that happens to be active: a try started right after a commit runs in the committing request's).
 */
export class TryTracing implements DeliveryTryObserver {
  private constructor(
    private readonly api: OpenTelemetry,
    private readonly tracer: Tracer,
    private readonly propagate: boolean,
  ) {}

  /** The observer when tracing is on, else `undefined`. */
  static of(telemetry: WebhookTelemetry): TryTracing | undefined {
    const { api, tracer, options } = telemetry;
    return api && tracer ? new TryTracing(api, tracer, options.propagateTraceContext) : undefined;
  }

  async observe(job: DeliveryJob, make: (beforeSend?: BeforeSend) => Promise<TryResult>): Promise<TryResult> {
    const { api } = this;
    const { attempt } = job;
    const parent = (attempt.traceContext && contextOf(api, attempt.traceContext)) || api.ROOT_CONTEXT;
    const method = attempt.request.method || 'POST';
    const span = this.tracer.startSpan(method, { kind: api.SpanKind.CLIENT }, parent);
    // The attributes are built only for a span that records: with the API but no SDK (or a sampler that
    // drops the trace) a try pays for no object it would throw away. Samplers therefore decide on the
    // parent and the name, not on these attributes.
    if (span.isRecording()) {
      span.setAttributes({
        'http.request.method': method,
        'webhooks.attempt.id': attempt.id,
        'webhooks.event': attempt.event,
        'webhooks.try.number': attempt.attemptCount + 1,
        'webhooks.try.trigger': job.trigger,
        'messaging.message.id': attempt.messageId,
        ...urlAttributes(job.subscription.to ?? attempt.request.url),
      });
      if (attempt.attemptCount > 0) span.setAttribute('http.request.resend_count', attempt.attemptCount);
    }
    const beforeSend: BeforeSend | undefined = this.propagate
      ? (request) => {
          request.headers = { ...request.headers, traceparent: traceparentOf(span.spanContext()) };
        }
      : undefined;
    try {
      const result = await make(beforeSend);
      const last = result.attempt.tries[result.attempt.tries.length - 1];
      const status = last?.statusCode ?? 0;
      if (status > 0) span.setAttribute('http.response.status_code', status);
      const ok = status >= 200 && status < 300;
      if (!ok) {
        span.setAttribute('error.type', result.blocked ? 'blocked' : status > 0 ? String(status) : 'request_failed');
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: result.attempt.message ?? undefined });
      }
      span.setAttribute('webhooks.attempt.status', result.attempt.status);
      return result;
    } finally {
      span.end();
    }
  }
}

/** `url.full` without credentials or query (they may hold secrets), `server.address`, `server.port`. */
function urlAttributes(target: string): Attributes {
  const parts = targetParts(target);
  return parts ? { 'url.full': parts.full, 'server.address': parts.hostname, 'server.port': parts.port } : {};
}
