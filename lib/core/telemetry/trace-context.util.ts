import type { Context, SpanContext } from '@opentelemetry/api';
import type { OpenTelemetry } from './opentelemetry.loader';

/** A W3C `traceparent` value: version 00, trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The W3C `traceparent` of a span, as stored with an outbox row (the `trace_context` column) and sent to
 * receivers that ask for it. Written by hand rather than through the application's propagator: a row written
 * under one configuration is read back under another, in another instance or after a restart.
 */
export function traceparentOf(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The context a stored `traceparent` continues (a remote parent), or `undefined` for a malformed value. */
export function contextOf(api: OpenTelemetry, traceparent: string): Context | undefined {
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const span: SpanContext = { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16), isRemote: true };
  if (!api.isSpanContextValid(span)) return undefined;
  return api.trace.setSpanContext(api.ROOT_CONTEXT, span);
}
