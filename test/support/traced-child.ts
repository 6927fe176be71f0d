/**
 * A child process for the trace-across-a-crash test: registers the OpenTelemetry SDK, boots an app with the
 * webhooks module on the database given in WEBHOOKS_TRACED_CHILD (JSON: { database, target, event }),
 * creates a subscription to `target`, raises `event` inside a server span (as a controller handling a
 * request would), prints one JSON line — the trace, the spans' ids, the attempt — and keeps running with
 * its try in flight until the parent kills it.
 */
import 'reflect-metadata';
import { SpanKind, trace } from '@opentelemetry/api';
import { createTestApp } from './app';
import { installTelemetry } from './telemetry';

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WEBHOOKS_TRACED_CHILD ?? '{}');
  const telemetry = installTelemetry();
  const app = await createTestApp(config.database, {
    targets: { allowHttp: true, allowPrivateNetworks: true },
    delivery: { leaseDuration: 1_000, pollInterval: 50, timeout: 120_000 },
  });
  await app.subscriptions.create({ to: config.target, events: config.event });
  const tracer = trace.getTracer('traced-child');
  const raised = await tracer.startActiveSpan('POST /contacts', { kind: SpanKind.SERVER }, async (span) => {
    try {
      return await app.dispatcher.dispatch(config.event, { name: 'Ada' });
    } finally {
      span.end();
    }
  });
  const [server, producer] = ['POST /contacts', `create ${config.event}`].map((name) =>
    telemetry.spans.getFinishedSpans().find((s) => s.name === name),
  );
  process.stdout.write(
    `${JSON.stringify({
      traceId: server?.spanContext().traceId,
      serverSpanId: server?.spanContext().spanId,
      producerSpanId: producer?.spanContext().spanId,
      producerParentSpanId: producer?.parentSpanContext?.spanId,
      attemptId: raised.attempts[0]?.id,
    })}\n`,
  );
  // Stay alive with the try in flight until killed.
  setInterval(() => undefined, 1000);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
