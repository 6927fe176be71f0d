/**
 * `@opentelemetry/api`, loaded once with a guarded `require`: an optional peer. Without it the module records
 * no metric and no trace and pays for none (every use is behind one `null` check); with it but without an
 * SDK registered by the application, the API's own no-op meters and tracers do the work.
 */
import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The API's module, as `require('@opentelemetry/api')` returns it. */
export type OpenTelemetry = typeof OpenTelemetryApi;

/** The instrumentation scope of the module's meters and tracers. */
export const TELEMETRY_SCOPE = 'nestjs-webhooks';

let loaded: OpenTelemetry | null | undefined;

/**
 * The API when the application has it installed, else `null`; looked up on the first call only. Tests and
 * the bench hide it by blocking the module's resolution.
 */
export function openTelemetry(): OpenTelemetry | null {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer: an import would fail without it
      loaded = require('@opentelemetry/api') as OpenTelemetry;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
