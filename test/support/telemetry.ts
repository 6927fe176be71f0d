import { context, type Context, metrics, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type MetricReader as Reader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A metric reader that collects when asked: what an exporter would be handed, read in the test. */
export class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The OpenTelemetry SDK of a test process: spans kept in memory, metrics read by {@link TestMetricReader}. */
export interface TestTelemetry {
  spans: InMemorySpanExporter;
  reader: TestMetricReader;
  /** Stops the SDK and unregisters the globals. */
  shutdown(): Promise<void>;
}

/**
 * Registers the SDK globally (tracer provider, meter provider, async-local-storage context manager), as an
 * application does before it creates its Nest app. `readers` are added beside the test reader (a Prometheus
 * exporter, say).
 */
export function installTelemetry(readers: Reader[] = []): TestTelemetry {
  const spans = new InMemorySpanExporter();
  const reader = new TestMetricReader();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const meterProvider = new MeterProvider({ readers: [reader, ...readers] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans,
    reader,
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}

/** The context of a W3C `traceparent` header, as an HTTP server instrumentation extracts it. */
export function contextFromTraceparent(header: string | undefined): Context {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header ?? '');
  if (!match) return ROOT_CONTEXT;
  const parent: SpanContext = { traceId: match[1], spanId: match[2], traceFlags: 1, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

/** A metric's data points as collected now (empty when it was never recorded). */
export async function dataPoints(reader: TestMetricReader, name: string): Promise<Array<DataPoint<unknown>>> {
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) if (metric.descriptor.name === name) return metric.dataPoints;
  return [];
}

/** The sum of the values (counters, gauges) or counts (histograms) of the points whose attributes include `where`. */
export async function total(
  reader: TestMetricReader,
  name: string,
  where: Record<string, string> = {},
): Promise<number> {
  let sum = 0;
  for (const point of await dataPoints(reader, name)) {
    if (!Object.entries(where).every(([key, value]) => point.attributes[key] === value)) continue;
    sum += typeof point.value === 'number' ? point.value : (point.value as Histogram).count;
  }
  return sum;
}
