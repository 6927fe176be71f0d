/**
 * One application instance in a process of its own, driven by {@link WebhooksInstance} (instance.ts) over
 * IPC: it boots a Nest app with TypeORM and the webhooks module on the database given in WEBHOOKS_INSTANCE
 * (JSON: { database, webhooks }), says `ready`, then raises events, reports on its engine, and closes on
 * request. Fault tests kill it (SIGKILL) or freeze it (SIGSTOP) at will.
 */
import 'reflect-metadata';
import { WebhookEvents } from '../../lib';
import { createTestApp, type TestApp } from './app';
import type { ChildCommand, ChildMessage, InstanceConfig, RaisedEvent } from './instance.protocol';

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Attempts whose result this instance wrote, by the event it emitted once the write committed. */
const written = { succeeded: [] as string[], failed: [] as string[], retrying: [] as string[] };

async function raise(app: TestApp, command: Extract<ChildCommand, { type: 'raise' }>): Promise<void> {
  const { event, from, to, perTransaction, rollbackEvery, explicitIdEvery } = command;
  for (let first = from; first < to; first += perTransaction) {
    const last = Math.min(first + perTransaction, to);
    // A transaction holding a multiple of rollbackEvery rolls back. Every event in it carries the flag, so
    // that one arriving at a receiver, or written to the outbox, proves a rolled-back event escaped.
    const rollback = rollbackEvery > 0 && Math.floor((last - 1) / rollbackEvery) * rollbackEvery >= first;
    // Between transactions the loop yields, as an app does between requests: on SQLite the engine's work
    // waits for a moment when no application transaction is open.
    await new Promise((resolve) => setImmediate(resolve));
    send({ type: 'started', from: first, to: last });
    const events: RaisedEvent[] = [];
    try {
      await app.dataSource.transaction(async (manager) => {
        for (let n = first; n < last; n++) {
          const id = explicitIdEvery > 0 && n % explicitIdEvery === 0 ? `${command.idPrefix}${n}` : undefined;
          const { messageId } = await app.dispatcher.dispatch(
            event,
            { n, rollback },
            { manager, ...(id ? { id } : {}) },
          );
          events.push({ n, messageId });
        }
        if (rollback) throw new RollbackRequested();
      });
      send({ type: 'committed', events });
    } catch (error) {
      if (!(error instanceof RollbackRequested)) throw error;
      send({ type: 'rolledBack', events });
    }
  }
}

class RollbackRequested extends Error {}

async function handle(app: TestApp, command: ChildCommand): Promise<unknown> {
  switch (command.type) {
    case 'raise':
      await raise(app, command);
      return null;
    case 'idle':
      await app.engine.whenIdle(command.timeout);
      return null;
    case 'boot':
      return null;
    case 'written':
      return written;
    case 'close':
      await app.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WEBHOOKS_INSTANCE ?? '{}') as InstanceConfig;
  // Orphaned by a crashed test run: go away rather than keep sending.
  process.on('disconnect', () => process.exit(0));
  if (config.standby) {
    // Loaded (Nest, TypeORM, the drivers) and waiting: what a restart then costs is booting the app.
    await new Promise<void>((resolve) => {
      const onBoot = (command: ChildCommand) => {
        if (command.type !== 'boot') return;
        process.off('message', onBoot);
        resolve();
      };
      process.on('message', onBoot);
      send({ type: 'loaded' });
    });
  }
  const app = await createTestApp(config.database, config.webhooks);
  app.emitter.on(WebhookEvents.attemptSucceeded, ({ attempt }) => written.succeeded.push(attempt.id));
  app.emitter.on(WebhookEvents.attemptFailed, ({ attempt }) => written.failed.push(attempt.id));
  app.emitter.on(WebhookEvents.attemptRetrying, ({ attempt }) => written.retrying.push(attempt.id));
  process.on('message', (command: ChildCommand) => {
    handle(app, command).then(
      (result) => send({ type: 'reply', id: command.id, result }),
      (error: Error) => send({ type: 'reply', id: command.id, error: error?.stack ?? String(error) }),
    );
  });
  send({ type: 'ready', pid: process.pid });
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
