import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * The sample's OpenTelemetry metrics: a meter provider whose reader is the Prometheus exporter, served by
 * the app itself at GET /metrics (`preventServerStart`: no second port). Registered before the Nest app is
 * created — the module takes its meter when it starts. An application would rather start the
 * OpenTelemetry Node SDK (traces too, to a collector) in the same place.
 */
export const prometheus = new PrometheusExporter({ preventServerStart: true });

let provider: MeterProvider | undefined;

/** Registers the meter provider globally (once). */
export function startSampleMetrics(): void {
  if (provider) return;
  provider = new MeterProvider({ readers: [prometheus] });
  metrics.setGlobalMeterProvider(provider);
}

/** Flushes and stops it (at shutdown). */
export async function stopSampleMetrics(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}
