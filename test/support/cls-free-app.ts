/**
 * Run as its own process (`node -r @swc-node/register`) by raising-events.spec.ts: an application that
 * does not use nestjs-cls starts the module, raises an event, and reports which of nestjs-cls's packages
 * were loaded — none may be, though they are installed (see AmbientTransaction).
 */
import 'reflect-metadata';
import { createTestApp } from './app';

async function main(): Promise<void> {
  const app = await createTestApp({ type: 'better-sqlite3', database: ':memory:' });
  await app.dispatcher.dispatch('contact.create', { id: 1 });
  await app.close();
  const loaded = Object.keys(require.cache).filter((path) =>
    /[\\/]node_modules[\\/](nestjs-cls|@nestjs-cls)[\\/]/.test(path),
  );
  process.stdout.write(JSON.stringify({ started: true, loaded }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
