import type { Meter, Span, Tracer } from '@opentelemetry/api';
import { type OpenTelemetry, openTelemetry, TELEMETRY_SCOPE } from '../core/telemetry/opentelemetry.loader';
import { traceparentOf } from '../core/telemetry/trace-context.util';
import type { ResolvedOperationsOptions } from '../options/operations.options';

/**
 * What the stages use of OpenTelemetry: the module's tracer and meter — each `null` when
 * `@opentelemetry/api` is not installed or the option turns it off, so that every use costs one check then.
 * Meters are taken once, when the module starts: an SDK is registered before the Nest application is
 * created (as OpenTelemetry's Node.js setup asks), and the API's meters do not follow a later registration.
 */
export class WebhookTelemetry {
  /** The API, when installed. */
  readonly api: OpenTelemetry | null;
  /** The tracer, or `null` (no API, or `operations.tracing: false`). */
  readonly tracer: Tracer | null;
  /** The meter, or `null` (no API, or `operations.metrics: false`). */
  readonly meter: Meter | null;

  constructor(readonly options: ResolvedOperationsOptions) {
    const api = options.metrics || options.tracing ? openTelemetry() : null;
    this.api = api;
    this.tracer = api && options.tracing ? api.trace.getTracer(TELEMETRY_SCOPE) : null;
    this.meter = api && options.metrics ? api.metrics.getMeter(TELEMETRY_SCOPE) : null;
  }

  /**
   * Runs a dispatch in a producer span, a child of the caller's span (its request's, typically): the
   * outbox rows written meanwhile store its trace context. Without a tracer it only runs `work`.
   */
  dispatchSpan<T>(event: string, work: (span: Span | undefined) => Promise<T>): Promise<T> {
    const { tracer, api } = this;
    if (!tracer || !api) return work(undefined);
    return tracer.startActiveSpan(
      `create ${event}`,
      {
        kind: api.SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'webhooks',
          'messaging.operation.type': 'create',
          'messaging.operation.name': 'create',
          'messaging.destination.name': event,
        },
      },
      async (span) => {
        try {
          return await work(span);
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error)?.message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** The W3C `traceparent` of a span, or `null` for an invalid (non-recording, parentless) one. */
  traceparentOf(span: Span): string | null {
    const context = span.spanContext();
    return this.api?.isSpanContextValid(context) ? traceparentOf(context) : null;
  }

  /** The W3C `traceparent` of the span active now (stored with outbox rows), or `null` when none is. */
  activeTraceparent(): string | null {
    const { api } = this;
    if (!api || !this.tracer) return null;
    const span = api.trace.getSpan(api.context.active());
    if (!span) return null;
    const context = span.spanContext();
    return api.isSpanContextValid(context) ? traceparentOf(context) : null;
  }
}
