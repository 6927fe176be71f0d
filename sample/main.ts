import 'reflect-metadata';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { ConsoleLogger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WebhooksPortalLinks } from '../lib';
import { buildPortal } from '../scripts/build-portal';
import { AppModule } from './app.module';
import { startSampleMetrics, stopSampleMetrics } from './operations/sample-metrics';
import { NOAA, NWS, OFFICES } from './contacts/offices';
import { ProgressLine } from './demo/progress-line';
import { checkScenario } from './demo/sample.checks';
import {
  renderAttempts,
  renderChecks,
  renderCurlExamples,
  renderEvents,
  renderSubscriptions,
} from './demo/sample.report';
import { SampleScenario } from './demo/sample.scenario';
import { LocalReceiver } from './receiver/local-receiver';

/** The app's port unless told otherwise (and free). */
const DEFAULT_PORT = 3000;

const USAGE = `Usage: npm run sample [-- [--once] [--port <n>]]
  --once      exit after the report (0 when every check passed, 1 otherwise) instead of serving
  --port <n>  the app's port on 127.0.0.1 (default: $PORT, else 3000; with --once, any free port)`;

/** The command line, checked. */
interface SampleArgs {
  once: boolean;
  /** `undefined`: 3000, or any free port if 3000 is taken. */
  port: number | undefined;
}

class UsageError extends Error {}

function readArgs(argv: string[]): SampleArgs {
  let values: { once?: boolean; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { once: { type: 'boolean' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) throw new UsageError(USAGE);
  const port = values.port ?? process.env.PORT ?? (values.once ? '0' : undefined);
  if (port !== undefined && !/^\d{1,5}$/.test(port))
    throw new UsageError(`--port must be a port number, not "${port}"\n${USAGE}`);
  return { once: values.once ?? false, port: port === undefined ? undefined : Number(port) };
}

/** The default port when it is free, else 0 (any free port): probed first, so Nest logs no listen error. */
function defaultPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(0) : reject(error)));
    probe.listen(DEFAULT_PORT, '127.0.0.1', () => probe.close(() => resolve(DEFAULT_PORT)));
  });
}

/** Listens on 127.0.0.1 and answers the app's URL. */
async function listen(app: INestApplication, port: number | undefined): Promise<string> {
  await app.listen(port ?? (await defaultPort()), '127.0.0.1');
  return app.getUrl();
}

/**
 * The application's console, without the module's line per failed try: the sample fails some on purpose
 * and reports every attempt itself, in its own table. An application keeps them (they are warnings).
 */
class SampleLogger extends ConsoleLogger {
  override warn(message: unknown, ...rest: unknown[]): void {
    if (rest[rest.length - 1] === 'WebhookDeliveries') return;
    super.warn(message, ...rest);
  }
}

async function main(): Promise<number> {
  const args = readArgs(process.argv.slice(2));
  // The portal's page is built from lib/portal/ui (a no-op when nothing changed since the last run).
  await buildPortal();
  // Before the app: the module takes its meter when it starts.
  startSampleMetrics();
  const app = await NestFactory.create(AppModule, { logger: new SampleLogger({ logLevels: ['error', 'warn'] }) });
  // On SIGTERM the delivery engine lets tries in flight finish and hands back what it holds.
  app.enableShutdownHooks();
  try {
    const baseUrl = await listen(app, args.port);
    const receiver = app.get(LocalReceiver);
    console.log("nestjs-webhooks sample: the contacts of NOAA's weather offices");
    console.log(`  scopes                           ${NOAA} → ${NWS} → ${Object.values(OFFICES).join(', ')}`);
    console.log(`  app, admin API under /webhooks   ${baseUrl}`);
    console.log(`  receiver, verifies signatures    ${receiver.url('')}`);
    console.log(
      `  database                         SQLite in memory (ready ${(process.uptime() * 1000).toFixed(0)} ms after start)\n`,
    );

    const scenario = new SampleScenario(app, baseUrl, new ProgressLine());
    console.log(`Events raised\n${renderEvents(await scenario.start())}\n`);
    const result = await scenario.finish();
    const checks = checkScenario(result);
    console.log();
    console.log(`Subscriptions (targets on the receiver)\n${renderSubscriptions(result)}\n`);
    console.log(
      `Delivery attempts (name: the subscription; ms: the last try; signed: verified by the receiver)\n${renderAttempts(result)}\n`,
    );
    console.log(`Checks\n${renderChecks(checks)}\n`);
    console.log(
      `The admin API${args.once ? ' (run without --once to keep the app up)' : ''}\n${renderCurlExamples(baseUrl, result)}\n`,
    );

    console.log(
      `Operations: Prometheus metrics and the health check${args.once ? ' (run without --once to keep the app up)' : ''}\n` +
        `  curl -s ${baseUrl}/metrics | grep '^webhooks_'\n` +
        `  curl -s ${baseUrl}/health\n`,
    );

    const ounLink = app.get(WebhooksPortalLinks).createLink({
      owner: 'oun-manager',
      scope: OFFICES.oun,
      expiresIn: '24h',
      baseUrl,
    });
    console.log(
      `The portal, in a browser${args.once ? ' (run without --once to keep the app up)' : ''}\n` +
        `  as the administrator (signs in with the sample-admin key, kept in a cookie):\n` +
        `  ${baseUrl}/sign-in?key=sample-admin\n` +
        `  as OUN's manager, through a portal link (24 h; a new key at each run revokes the old ones):\n` +
        `  ${ounLink.url}\n`,
    );

    const failed = checks.filter((check) => !check.ok).length;
    if (failed > 0) {
      console.error(`Sample failed: ${failed} of ${checks.length} checks did not pass (✗ above).`);
      return 1;
    }
    if (args.once) {
      console.log(`All ${checks.length} checks passed, ${process.uptime().toFixed(1)} s after start.`);
      return 0;
    }

    console.log(`All ${checks.length} checks passed. Serving ${baseUrl} — Ctrl-C to stop.`);
    receiver.log = (line) => console.log(line);
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.log(`\n${signal}: closing the app (deliveries in flight finish first).`);
    return 0;
  } finally {
    await app.close();
    await stopSampleMetrics();
  }
}

/** What to print for an error that ended the run: system errors (a port in use) need no stack. */
function describeFailure(error: Error & { code?: string }): string {
  if (error.code === 'EADDRINUSE') return `${error.message}: choose another port with --port <n> (or PORT=<n>)`;
  return typeof error.code === 'string' ? error.message : (error.stack ?? error.message);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = error.message === USAGE ? 0 : 1;
    } else {
      console.error(`Sample failed: ${describeFailure(error)}`);
      process.exitCode = 1;
    }
  },
);
