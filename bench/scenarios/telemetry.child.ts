/**
 * The measuring process of the telemetry-cost scenario (forked on plain `node` by
 * telemetry-cost.scenario.ts, one per configuration, so that each has its own OpenTelemetry globals):
 * starts a fleet (in memory, or persistent on SQLite) under one configuration and runs closed-loop
 * slices when told.
 *
 * - `sdk`: the OpenTelemetry SDK registered before the app, as an application does: a tracer provider
 *   with a batch span processor (every span exported, to an exporter that drops them), a meter provider
 *   with a periodic reader (every second, the gauges' store reads included), the async-local-storage
 *   context manager.
 * - `nosdk`: `@opentelemetry/api` installed, no SDK: the API's no-op tracer and meter.
 * - `absent`: `@opentelemetry/api` cannot be resolved (the parent preloads without-opentelemetry.js).
 *
 * Protocol: the child sends `{ op: 'ready' }`; then answers `{ op: 'run', durationMs }` with
 * `{ op: 'slice', result }`, `{ op: 'verify', receiverCount, receiverDuplicates }` with
 * `{ op: 'verified', check }`, and exits on `{ op: 'close' }`.
 */
import 'reflect-metadata';
import { BENCH_CONCURRENCY } from '../baselines/baseline.runner';
import { runClosedLoop } from '../support/closed-loop';
import { type Fleet, MemoryFleet, PersistentFleet } from '../support/fleets';

/** Which configuration and which fleet (`BENCH_TELEMETRY_CHILD`, JSON). */
export interface TelemetryChildConfig {
  mode: 'sdk' | 'nosdk' | 'absent';
  fleet: 'memory' | 'sqlite';
  origin: string;
  path: string;
}

export type TelemetryChildCommand =
  | { op: 'run'; durationMs: number }
  | { op: 'verify'; receiverCount: number; receiverDuplicates: number }
  | { op: 'close' };

/** Registers the SDK the way an application's instrumentation file does. */
async function registerSdk(): Promise<void> {
  const api = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  const dropped = { code: 0 } as const;
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({
        export: (_spans, done) => done(dropped),
        shutdown: () => Promise.resolve(),
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: {
          export: (_metrics, done) => done(dropped),
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
          selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
        },
        exportIntervalMillis: 1_000,
      }),
    ],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_TELEMETRY_CHILD ?? '{}') as TelemetryChildConfig;
  if (config.mode === 'sdk') await registerSdk();
  const options = { origin: config.origin, path: config.path };
  const fleet: Fleet =
    config.fleet === 'memory' ? await MemoryFleet.start(options) : await PersistentFleet.start('sqlite', options);
  const task = fleet.task('direct');
  let next = 0;
  process.on('message', async (command: TelemetryChildCommand) => {
    if (command.op === 'run') {
      const result = await runClosedLoop({
        concurrency: BENCH_CONCURRENCY,
        durationMs: command.durationMs,
        task: () => task(next++),
      });
      process.send!({ op: 'slice', result });
    } else if (command.op === 'verify') {
      process.send!({ op: 'verified', check: await fleet.verify(command.receiverCount, command.receiverDuplicates) });
    } else {
      await fleet.close();
      process.exit(0);
    }
  });
  process.send!({ op: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
