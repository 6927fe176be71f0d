/**
 * A child process run without `@opentelemetry/api` (see without-opentelemetry.ts): boots an app on the
 * database given in WEBHOOKS_UNTRACED_CHILD (JSON: { database, target }), delivers one event and prints
 * one JSON line — whether the API could be loaded and what the attempt became — then exits.
 */
import 'reflect-metadata';
import { openTelemetry } from '../../lib/core/telemetry/opentelemetry.loader';
import { createTestApp } from './app';

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WEBHOOKS_UNTRACED_CHILD ?? '{}');
  const app = await createTestApp(config.database, { targets: { allowHttp: true, allowPrivateNetworks: true } });
  await app.subscriptions.create({ to: config.target, events: 'untraced.created' });
  const { attempts } = await app.dispatcher.dispatch('untraced.created', { n: 1 });
  await app.engine.whenIdle();
  const attempt = await app.attempts.get(attempts[0].id);
  process.stdout.write(`${JSON.stringify({ api: openTelemetry() !== null, status: attempt.status })}\n`);
  await app.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
