import { createHash, randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../lib';
import { mustRun, run, type RunningServer, startServer } from './support/child-process';
import { eventually } from './support/eventually';
import { type ReceivedRequest, TestReceiver } from './support/receiver';
import { SUBSCRIPTION_KEYS } from './support/subscription-shape';

/**
 * The package as an application gets it: `npm pack` (its prepack builds dist/), the tarball installed into a
 * fresh Nest application of plain JavaScript — once CommonJS, once ESM — which boots, raises an event and
 * sends a signed webhook to a local receiver.
 *
 * The tarball's own dependencies are installed by npm, from its cache first (`npm ci` of this repository
 * filled it), through a lock file made of this repository's entries: npm 11 resolves a dependency that no
 * lock file pins from its full packument, and `npm ci` caches only the tarballs and abbreviated packuments,
 * so without the lock the install would need the network (and, offline, spend minutes on retries). The peers are not installed but linked from this repository's node_modules (better-sqlite3 would
 * be compiled again), so that Node loads one copy of each: this repository's.
 */

const ROOT = join(__dirname, '..');
const ROOT_MODULES = realpathSync(join(ROOT, 'node_modules'));
const PACK_DEADLINE_MS = 180_000;
const INSTALL_DEADLINE_MS = 120_000;
const CONSUMER_DEADLINE_MS = 60_000;
/** How long a consumer waits for its attempt to be resolved. */
const DELIVERY_DEADLINE_MS = 20_000;
const REPORT_PREFIX = 'REPORT ';
/** How long the first-hour application may take to build, test itself, start or stop. */
const APP_DEADLINE_MS = 90_000;
const FIRST_HOUR_FIXTURE = join(__dirname, 'fixtures', 'first-hour-app');
/** What the first-hour application's `npm install` would bring beside the module and its peers. */
const FIRST_HOUR_LINKS = [
  '@nestjs/platform-express',
  '@nestjs/testing',
  'class-validator',
  'class-transformer',
  '@types/node',
  'typescript',
  'vitest',
  'unplugin-swc',
  '@swc/core',
];
const TSC = join(ROOT_MODULES, 'typescript', 'bin', 'tsc');
const VITEST = join(ROOT_MODULES, 'vitest', 'vitest.mjs');

interface Manifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  engines: Record<string, string>;
  license: string;
}
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

const manifest = (): Promise<Manifest> =>
  readFile(join(ROOT, 'package.json'), 'utf8').then((text) => JSON.parse(text) as Manifest);
const optionalPeers = (pkg: Manifest) =>
  Object.keys(pkg.peerDependencies).filter((name) => pkg.peerDependenciesMeta[name]?.optional);
/** The peers an application must install, plus the database driver this test's application uses. */
const linkedPeers = (pkg: Manifest) => [
  ...Object.keys(pkg.peerDependencies).filter((name) => !pkg.peerDependenciesMeta[name]?.optional),
  'better-sqlite3',
];

/**
 * The lock file of a consumer that depends on the tarball alone: the tarball's entry, and this repository's
 * entries of its dependencies and theirs (the versions `npm ci` put in the cache).
 */
async function consumerLock(name: string, tarballSpec: string, tarball: string, pkg: Manifest): Promise<object> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, LockEntry> = {
    '': { name, version: '1.0.0', dependencies: { [pkg.name]: tarballSpec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: tarballSpec,
      integrity: `sha512-${createHash('sha512')
        .update(await readFile(tarball))
        .digest('base64')}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      engines: pkg.engines,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  // Node's lookup in the lock: from the dependent's folder up to the top-level node_modules.
  const locate = (dependent: string, dependency: string): string => {
    for (let at = dependent; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const path = `${at ? `${at}/` : ''}node_modules/${dependency}`;
      if (lock.packages[path]) return path;
      if (!at)
        throw new Error(`package-lock.json has no entry for ${dependency} (needed by ${dependent || 'the package'})`);
    }
  };
  const pending = Object.keys(pkg.dependencies).map((dependency) => locate('', dependency));
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (packages[path]) continue;
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[path];
    packages[path] = entry;
    for (const dependency of Object.keys(entry.dependencies ?? {})) pending.push(locate(path, dependency));
  }
  return { name, version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

type Flavour = 'commonjs' | 'module';

/**
 * The consumer application: plain JavaScript, decorators applied as functions. It boots, calls a
 * `@WebhookEvent('contact.create')` method, waits for the attempt to be resolved, reads it back from the
 * database, closes the application and prints one report line. Anything that goes wrong ends it with a
 * non-zero exit code and the error on stderr.
 */
function consumerSource(flavour: Flavour, peers: string[], optional: string[]): string {
  const imports =
    flavour === 'module'
      ? `import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import * as webhooksNamespace from 'nestjs-webhooks';
import * as testingNamespace from 'nestjs-webhooks/testing';
import {
  WEBHOOK_MIGRATIONS,
  WEBHOOKS_EVENT_EMITTER,
  WebhookAttempts,
  WebhookEvent,
  WebhookEvents,
  WebhooksModule,
} from 'nestjs-webhooks';
const consumerRequire = createRequire(import.meta.url);
// What Node could not detect as named exports of the CommonJS build (import * lists the detected ones).
const undetected = [
  ...Object.keys(consumerRequire('nestjs-webhooks')).filter((name) => !(name in webhooksNamespace)),
  ...Object.keys(consumerRequire('nestjs-webhooks/testing')).filter((name) => !(name in testingNamespace)).map((name) => 'testing:' + name),
];
`
      : `'use strict';
require('reflect-metadata');
const { createRequire } = require('node:module');
const { Injectable, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { TypeOrmModule } = require('@nestjs/typeorm');
const {
  WEBHOOK_MIGRATIONS,
  WEBHOOKS_EVENT_EMITTER,
  WebhookAttempts,
  WebhookEvent,
  WebhookEvents,
  WebhooksModule,
} = require('nestjs-webhooks');
require('nestjs-webhooks/testing');
const consumerRequire = createRequire(__filename);
const undetected = [];
`;
  return `${imports}
const [receiverUrl, secret] = process.argv.slice(2);

class ContactsService {
  async create(name) {
    return { id: 1, name };
  }
}
// @WebhookEvent('contact.create') on create(), as TypeScript's __decorate applies it.
const descriptor = Object.getOwnPropertyDescriptor(ContactsService.prototype, 'create');
Object.defineProperty(ContactsService.prototype, 'create', Reflect.decorate([WebhookEvent('contact.create')], ContactsService.prototype, 'create', descriptor));
Injectable()(ContactsService);

class AppModule {}
Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: ':memory:',
      autoLoadEntities: true,
      migrations: [...WEBHOOK_MIGRATIONS],
      migrationsRun: true,
    }),
    WebhooksModule.forRoot({
      targets: { allowHttp: true, allowPrivateNetworks: true },
      subscriptions: [{ to: receiverUrl, events: 'contact.*', secret, persistent: true }],
    }),
  ],
  providers: [ContactsService],
})(AppModule);

/** Where the installed package finds each module: the peers must be the repository's single copies. */
function resolutions() {
  const packageRequire = createRequire(consumerRequire.resolve('nestjs-webhooks'));
  const resolvable = (name) => {
    try {
      return packageRequire.resolve(name);
    } catch {
      return null;
    }
  };
  return {
    package: consumerRequire.resolve('nestjs-webhooks'),
    peers: Object.fromEntries(${JSON.stringify(peers)}.map((name) => [name, resolvable(name)])),
    optionalPeersFound: ${JSON.stringify(optional)}.filter((name) => resolvable(name) !== null),
  };
}

async function main() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  let report;
  try {
    const emitter = app.get(WEBHOOKS_EVENT_EMITTER);
    // Listening before the event is raised: the first attempt resolved, or retried, ends the wait.
    const resolved = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no attempt was resolved within ${DELIVERY_DEADLINE_MS} ms')), ${DELIVERY_DEADLINE_MS});
      for (const [outcome, name] of [['succeeded', WebhookEvents.attemptSucceeded], ['failed', WebhookEvents.attemptFailed], ['retrying', WebhookEvents.attemptRetrying]]) {
        emitter.once(name, ({ attempt, subscription }) => {
          clearTimeout(timer);
          resolve({ outcome, attempt, subscription });
        });
      }
    });
    const contact = await app.get(ContactsService).create('Ann');
    const { outcome, attempt, subscription } = await resolved;
    const stored = await app.get(WebhookAttempts).get(attempt.id);
    report = {
      contact,
      outcome,
      stored: { status: stored.status, event: stored.event, messageId: stored.messageId, attemptCount: stored.attemptCount, body: stored.request.body },
      subscription: { to: subscription.to, events: subscription.events, persistent: subscription.static },
      undetected,
      ...resolutions(),
    };
  } finally {
    await app.close();
  }
  // The process must end by itself now: nothing of the application may be left running.
  process.stdout.write('${REPORT_PREFIX}' + JSON.stringify(report) + '\\n');
}

main().catch((error) => {
  process.stderr.write(((error && error.stack) || String(error)) + '\\n');
  process.exitCode = 1;
});
`;
}

interface Consumer {
  flavour: Flavour;
  dir: string;
  main: string;
}

interface Report {
  contact: { id: number; name: string };
  outcome: string;
  stored: { status: string; event: string; messageId: string; attemptCount: number; body: string };
  subscription: { to: string; events: string[]; persistent: boolean };
  undetected: string[];
  package: string;
  peers: Record<string, string | null>;
  optionalPeersFound: string[];
}

/**
 * Installs the tarball into the application in `dir` (whose package.json is there, named `name`), through a
 * lock file of this repository's entries, then links `links` from this repository's node_modules.
 */
async function installPackage(
  dir: string,
  name: string,
  tarball: string,
  pkg: Manifest,
  links: string[],
): Promise<void> {
  const tarballSpec = `file:${relative(dir, tarball)}`;
  const manifestOf = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  manifestOf.dependencies = { [pkg.name]: tarballSpec };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifestOf, null, 2)}\n`);
  await writeFile(
    join(dir, 'package-lock.json'),
    `${JSON.stringify(await consumerLock(name, tarballSpec, tarball, pkg), null, 2)}\n`,
  );
  await mustRun(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--legacy-peer-deps', tarball],
    dir,
    INSTALL_DEADLINE_MS,
  );
  // After the install, which would remove links it does not know of.
  for (const peer of links) {
    const link = join(dir, 'node_modules', peer);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(ROOT_MODULES, peer), link, 'dir');
  }
}

/** A fresh application in its own folder: package.json, lock file, the tarball installed, the peers linked. */
async function createConsumer(work: string, flavour: Flavour, tarball: string, pkg: Manifest): Promise<Consumer> {
  const dir = join(work, flavour === 'module' ? 'esm-app' : 'cjs-app');
  await mkdir(dir);
  const name = `${flavour === 'module' ? 'esm' : 'cjs'}-consumer`;
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true, ...(flavour === 'module' ? { type: 'module' } : {}) }),
  );
  await installPackage(dir, name, tarball, pkg, linkedPeers(pkg));
  const main = join(dir, 'main.js');
  await writeFile(main, consumerSource(flavour, linkedPeers(pkg), optionalPeers(pkg)));
  return { flavour, dir, main };
}

/** The package folders under `dir`/node_modules, nested ones too (links are listed, not followed). */
async function installedPackages(dir: string): Promise<Array<{ path: string; name: string; link: boolean }>> {
  const found: Array<{ path: string; name: string; link: boolean }> = [];
  const walk = async (modules: string): Promise<void> => {
    if (!existsSync(modules)) return;
    for (const entry of await readdir(modules)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@')
        ? (await readdir(join(modules, entry))).map((child) => `${entry}/${child}`)
        : [entry];
      for (const name of names) {
        const path = join(modules, name);
        const link = (await lstat(path)).isSymbolicLink();
        found.push({ path: relative(dir, path).split(sep).join('/'), name, link });
        if (!link) await walk(join(path, 'node_modules'));
      }
    }
  };
  await walk(join(dir, 'node_modules'));
  return found;
}

const headersOf = (request: ReceivedRequest): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value ?? ''),
    ]),
  );

describe('the published package (npm pack, installed into plain-JavaScript Nest applications)', () => {
  let work: string;
  let pkg: Manifest;
  let packed: { filename: string; files: string[] };
  let tarball: string;
  let receiver: TestReceiver;
  const consumers = {} as Record<Flavour, Consumer>;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  beforeAll(
    async () => {
      work = await mkdtemp(join(tmpdir(), 'nestjs-webhooks-package-'));
      pkg = await manifest();
      receiver = await TestReceiver.start();
      const packDir = join(work, 'pack');
      await mkdir(packDir);
      // Runs the prepack script: the build into dist/.
      const pack = await mustRun('npm', ['pack', '--json', '--pack-destination', packDir], ROOT, PACK_DEADLINE_MS);
      const start = pack.stdout.search(/^\[/m);
      if (start < 0)
        throw new Error(`npm pack printed no JSON report.\nstdout:\n${pack.stdout}\nstderr:\n${pack.stderr}`);
      const [result] = JSON.parse(pack.stdout.slice(start)) as Array<{
        filename: string;
        files: Array<{ path: string }>;
      }>;
      packed = { filename: result.filename, files: result.files.map((file) => file.path) };
      tarball = join(packDir, packed.filename);
      const [cjs, esm] = await Promise.all(
        (['commonjs', 'module'] as const).map((flavour) => createConsumer(work, flavour, tarball, pkg)),
      );
      consumers.commonjs = cjs;
      consumers.module = esm;
    },
    PACK_DEADLINE_MS + INSTALL_DEADLINE_MS + 10_000,
  );

  afterAll(async () => {
    await receiver?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the build, its types and the licence, and no source maps nor sources', () => {
    expect(packed.filename).toBe(`nestjs-webhooks-${pkg.version}.tgz`);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/testing/index.js',
        'dist/lib/testing/index.d.ts',
      ]),
    );
    expect(packed.files.filter((file) => file.endsWith('.map'))).toEqual([]);
    // The portal's assets, built by the same script: the bundle, its stylesheet, the icon and the manifest.
    expect(packed.files).toEqual(
      expect.arrayContaining(['dist/lib/portal/assets/manifest.json', 'dist/lib/portal/assets/icon.svg']),
    );
    expect(
      packed.files.filter((file) => /^dist\/lib\/portal\/assets\/portal-[\w-]+\.(js|css)$/.test(file)),
    ).toHaveLength(2);
    expect(
      packed.files.filter(
        (file) =>
          !/^dist\/lib\/.+\.(js|d\.ts)$/.test(file) &&
          !/^dist\/lib\/portal\/assets\/[\w.-]+\.(css|svg|json)$/.test(file) &&
          !['package.json', 'README.md', 'LICENSE'].includes(file),
      ),
    ).toEqual([]);
  });

  it('installs its own dependencies and nothing else; the peers are links to the repository’s single copies', async () => {
    for (const { dir } of Object.values(consumers)) {
      const installed = await installedPackages(dir);
      const peers = linkedPeers(pkg);
      expect(
        installed
          .filter((p) => !p.link)
          .map((p) => p.name)
          .sort(),
        dir,
      ).toEqual([pkg.name, ...Object.keys(pkg.dependencies)].sort());
      expect(
        installed
          .filter((p) => p.link)
          .map((p) => p.path)
          .sort(),
        dir,
      ).toEqual(peers.map((peer) => `node_modules/${peer}`).sort());
      for (const peer of peers) expect(await readlink(join(dir, 'node_modules', peer))).toBe(join(ROOT_MODULES, peer));
    }
  });

  for (const flavour of ['commonjs', 'module'] as const) {
    it(
      `boots as ${flavour === 'module' ? 'an ESM ("type": "module", named imports)' : 'a CommonJS (require)'} application and sends a signed webhook`,
      async () => {
        const consumer = consumers[flavour];
        const path = `/hooks/${flavour}`;
        const before = receiver.received(path).length;
        const result = await run(
          process.execPath,
          [consumer.main, receiver.url(path), secret],
          consumer.dir,
          CONSUMER_DEADLINE_MS,
        );
        const output = `${flavour} consumer exited with ${result.code}\nstderr:\n${result.stderr}\nstdout:\n${result.stdout}`;
        expect(result.code, output).toBe(0);
        expect(result.stderr, output).toBe('');
        const lines = result.stdout.split('\n').filter(Boolean);
        expect(lines, output).toHaveLength(1);
        expect(lines[0], output).toMatch(new RegExp(`^${REPORT_PREFIX}`));
        const report = JSON.parse(lines[0].slice(REPORT_PREFIX.length)) as Report;

        // The installed package, and the repository's one copy of each peer; no optional peer to be found.
        expect(realpathSync(report.package)).toBe(
          join(realpathSync(consumer.dir), 'node_modules', 'nestjs-webhooks', 'dist', 'lib', 'index.js'),
        );
        for (const [peer, resolved] of Object.entries(report.peers)) {
          expect(resolved, peer).not.toBeNull();
          expect(resolved!.startsWith(join(ROOT_MODULES, peer) + sep), `${peer} resolved to ${resolved}`).toBe(true);
        }
        expect(report.optionalPeersFound).toEqual([]);
        expect(report.undetected).toEqual([]);

        // The attempt, as the consumer read it back from its database.
        expect(report.contact).toEqual({ id: 1, name: 'Ann' });
        expect(report.outcome).toBe('succeeded');
        expect(report.subscription).toEqual({ to: receiver.url(path), events: ['contact.*'], persistent: true });
        expect(report.stored).toMatchObject({ status: 'successful', event: 'contact.create', attemptCount: 1 });

        // What the receiver got: one request, signed with the subscription's secret.
        const received = receiver.received(path).slice(before);
        expect(received).toHaveLength(1);
        const [request] = received;
        const headers = headersOf(request);
        expect(request.method).toBe('POST');
        expect(headers['webhook-id']).toBe(report.stored.messageId);
        expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
        expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(120);
        expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
        expect(headers['user-agent']).toBe(`nestjs-webhooks/${pkg.version}`);
        expect(new Webhook(secret).verify(request.body, headers)).toEqual({ id: 1, name: 'Ann' });
        expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(request.body, headers)).toThrow(
          /signature/i,
        );
        expect(JSON.parse(request.body)).toEqual({ id: 1, name: 'Ann' });
        expect(request.body).toBe(report.stored.body);
      },
      CONSUMER_DEADLINE_MS + 5_000,
    );
  }

  /**
   * What a new user does in the first hour (docs/getting-started.md, admin-api.md, testing.md, followed as
   * written): a TypeScript ESM application kept in test/fixtures/first-hour-app, copied to a fresh folder,
   * the tarball installed, the rest of what `npm install` would bring linked from this repository; built with
   * tsc, its own vitest test run with the testing kit, then started: a contact created over HTTP reaches a
   * local receiver signed (verified with standardwebhooks), and the attempt shows in the admin API.
   */
  describe('the first hour of a new user (a TypeScript ESM application from the docs)', () => {
    let dir: string;
    let server: RunningServer;
    const path = '/hooks/first-hour';
    const appSecret = generateWebhookSecret();

    beforeAll(async () => {
      dir = join(work, 'first-hour-app');
      await cp(FIRST_HOUR_FIXTURE, dir, { recursive: true });
      await installPackage(dir, 'first-hour-app', tarball, pkg, [...linkedPeers(pkg), ...FIRST_HOUR_LINKS]);
    }, INSTALL_DEADLINE_MS + 10_000);

    afterAll(async () => {
      if (server) await server.stop('SIGTERM', APP_DEADLINE_MS).catch(() => undefined);
    });

    it(
      'builds with tsc against the packed type declarations',
      async () => {
        const build = await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], dir, APP_DEADLINE_MS);
        expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
        expect(existsSync(join(dir, 'dist', 'main.js'))).toBe(true);
      },
      APP_DEADLINE_MS + 5_000,
    );

    it(
      'passes its own unit test, written with the testing kit (vitest, SWC)',
      async () => {
        const test = await run(process.execPath, [VITEST, 'run'], dir, APP_DEADLINE_MS);
        const output = `${test.stdout}\n${test.stderr}`;
        expect(test.code, output).toBe(0);
        expect(output).toMatch(/1 passed/);
      },
      APP_DEADLINE_MS + 5_000,
    );

    it(
      'sends a signed webhook for a contact created over HTTP, and shows the attempt in the admin API',
      async () => {
        server = await startServer({
          command: process.execPath,
          args: ['dist/main.js'],
          cwd: dir,
          env: {
            PORT: '0',
            NO_COLOR: '1',
            CONTACTS_WEBHOOK_URL: receiver.url(path),
            CONTACTS_WEBHOOK_SECRET: appSecret,
          },
          ready: /listening on (http:\/\/\S+)/,
          deadlineMs: APP_DEADLINE_MS,
        });
        const url = server.ready[1];
        const call = (method: string, route: string, body?: unknown, token?: string) =>
          fetch(`${url}${route}`, {
            method,
            headers: {
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });

        const created = await call('POST', '/contacts', { name: 'Ann' });
        expect(created.status).toBe(201);
        const contact = (await created.json()) as { id: number; name: string };
        expect(contact).toEqual({ id: 1, name: 'Ann' });

        await eventually(() => receiver.received(path).length > 0, `a webhook at ${path}`, DELIVERY_DEADLINE_MS);
        const [request] = receiver.received(path);
        const headers = headersOf(request);
        expect(new Webhook(appSecret).verify(request.body, headers)).toEqual(contact);

        // The administrator's view: the declared subscription, marked static, and its attempt.
        const ops = 'ops-token';
        expect((await call('GET', '/webhooks/subscriptions')).status).toBe(403);
        const listed = (await (await call('GET', '/webhooks/subscriptions?static=true', undefined, ops)).json()) as {
          items: Array<{ id: string; to: string; static: boolean }>;
        };
        expect(listed.items.map((s) => [s.to, s.static])).toEqual([[receiver.url(path), true]]);
        const attemptsRoute = `/webhooks/subscriptions/${encodeURIComponent(listed.items[0].id)}/attempts`;
        let attempts: Array<{ status: string; event: string; messageId: string }> = [];
        await eventually(
          async () => {
            attempts = ((await (await call('GET', attemptsRoute, undefined, ops)).json()) as { items: typeof attempts })
              .items;
            return attempts[0]?.status === 'successful';
          },
          () => `the attempt recorded as successful (now ${JSON.stringify(attempts)})`,
          DELIVERY_DEADLINE_MS,
        );
        expect(attempts).toHaveLength(1);
        expect(attempts[0]).toMatchObject({ event: 'contact.create', messageId: headers['webhook-id'] });

        // The application's own controller: the module's errors answer 400 naming the field; what create()
        // returns serializes in the admin API's vocabulary, with the secret shown once.
        const refused = await call('POST', '/integrations', { url: 'http://' });
        expect(refused.status).toBe(400);
        expect(((await refused.json()) as { message: string }).message).toMatch(/^to /);
        const connected = await call('POST', '/integrations', { url: 'https://crm.example.com/hooks' });
        expect(connected.status).toBe(201);
        const subscription = (await connected.json()) as Record<string, unknown>;
        expect(Object.keys(subscription).sort()).toEqual([...SUBSCRIPTION_KEYS, 'secret'].sort());

        // Nothing to warn about (a secret is given, shutdown hooks are on); SIGTERM closes the application (its
        // shutdown hooks run) before Nest ends the process with the same signal.
        expect(server.output()).not.toMatch(/WARN/);
        expect(await server.stop('SIGTERM', APP_DEADLINE_MS)).toEqual({ code: null, signal: 'SIGTERM' });
        expect(server.output()).toMatch(/application shut down \(SIGTERM\)/);
      },
      APP_DEADLINE_MS + 2 * DELIVERY_DEADLINE_MS,
    );
  });
});
