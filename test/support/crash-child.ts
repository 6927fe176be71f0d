/**
 * A child process for crash tests: boots an app with the webhooks module on the database given in
 * WEBHOOKS_CHILD (JSON: { database, events, rollbackEvery, leaseDuration }), raises the events in committed
 * and rolled-back transactions, prints "committed <ids...>" and keeps running (the parent kills it).
 */
import 'reflect-metadata';
import { createTestApp } from './app';

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WEBHOOKS_CHILD ?? '{}');
  const app = await createTestApp(config.database, {
    targets: { allowHttp: true, allowPrivateNetworks: true },
    delivery: { leaseDuration: config.leaseDuration, timeout: 30_000, pollInterval: 100 },
  });
  const committed: string[] = [];
  const rolledBack: string[] = [];
  for (let i = 0; i < config.events; i++) {
    const rollback = config.rollbackEvery > 0 && i % config.rollbackEvery === 0;
    const id = `evt_${i}`;
    try {
      await app.dataSource.transaction(async (manager) => {
        await app.dispatcher.dispatch('crash.test', { i }, { manager, id });
        if (rollback) throw new Error('rollback');
      });
      committed.push(id);
    } catch {
      rolledBack.push(id);
    }
  }
  process.stdout.write(`${JSON.stringify({ committed, rolledBack })}\n`);
  // Stay alive with deliveries in flight until killed.
  setInterval(() => undefined, 1000);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
