/**
 * Run as its own process (`node -r @swc-node/register`) by admin-config.spec.ts: `@nestjs/swagger` is made
 * impossible to resolve before anything loads, as in an application that does not install it; the admin API
 * must still start and answer, its OpenAPI decorators doing nothing. Reports what it saw as JSON.
 */
import Module from 'node:module';

const blocked = '@nestjs/swagger';
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === blocked || request.startsWith(`${blocked}/`)) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};

async function main(): Promise<void> {
  // Loaded with require, after the resolver is patched: imports would be hoisted above the patch.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  require('reflect-metadata');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const { createAdminTestApp } = require('./admin-app') as typeof import('./admin-app');
  const t = await createAdminTestApp({ type: 'better-sqlite3', database: ':memory:' });
  try {
    const headers = { 'x-user': 'alice' };
    const created = await t
      .http()
      .post('/webhooks/subscriptions')
      .set(headers)
      .send({ to: 'https://a.example.com/hook', events: ['contact.create'] });
    const listed = await t.http().get('/webhooks/subscriptions').set(headers);
    const bad = await t
      .http()
      .post('/webhooks/subscriptions')
      .set(headers)
      .send({ to: 42, events: ['contact.create'] });
    const swaggerLoaded = Object.keys(require.cache).some((path) => /[\\/]@nestjs[\\/]swagger[\\/]/.test(path));
    process.stdout.write(
      JSON.stringify({
        swaggerLoaded,
        created: { status: created.status, hasSecret: typeof created.body.secret === 'string' },
        listed: {
          status: listed.status,
          ids: (listed.body.items ?? []).map((s: { id: string }) => s.id),
          createdId: created.body.id,
        },
        bad: { status: bad.status, field: bad.body.field },
      }),
    );
  } finally {
    await t.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
