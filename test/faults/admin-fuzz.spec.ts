import type { AddressInfo } from 'node:net';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookDeliveryAttempt, type WebhooksModuleOptions } from '../../lib';
import { createAdminTestApp, type AdminTestApp } from '../support/admin-app';
import { type DatabaseKind, describeEachDatabase } from '../support/databases';
import { AdminFuzzer, type FuzzPrincipal, type FuzzRequest, type FuzzWorld, Rng } from './support/admin-fuzz.generator';
import { sized, SOAK } from './support/fault-sizes';
import { diffSnapshots, summarize, takeSnapshot, type TableSnapshot } from './support/table-snapshot';

/** Requests per database (at least 10,000 in CI); the seed can be set to replay a run. */
const REQUESTS = Number(process.env.WEBHOOKS_FUZZ_REQUESTS ?? sized(10_000, 100_000));
const SEED = Number(process.env.WEBHOOKS_FUZZ_SEED ?? 20_261_128);
/** Requests in flight at once; the database is compared after each such batch. */
const BATCH = 24;

const EVENTS = ['contact.create', 'contact.delete', 'invoice.paid'];

const options: WebhooksModuleOptions = {
  // Nothing is sent: the tables change only through the API, so that every change can be accounted for.
  delivery: { enabled: false },
  strictEventTypes: true,
  eventTypes: EVENTS.map((name) => ({ name })),
  subscriptions: [
    { to: 'https://alice-static-hook.example.com/private', events: ['contact.create'], owner: 'alice-7f3a' },
  ],
};

/** Owners with distinctive ids, so that finding one in a response is never a coincidence. */
const ALICE = 'alice-7f3a';
const BOB = 'bob-91c2';
const CAROL = 'carol-5d0e';
const ROOT = 'root-0a1b';
const ACME_ADMIN = 'acme-admin-77e1';

const principal = (
  label: string,
  id: string | null,
  isAdmin = false,
  scope: string | null = null,
  headers?: Record<string, string>,
): FuzzPrincipal => ({
  label,
  id,
  isAdmin,
  scope: scope ?? (isAdmin ? null : '/'),
  headers: headers ?? {
    'x-user': id!,
    ...(isAdmin ? { 'x-admin': 'true' } : {}),
    ...(scope ? { 'x-scope': scope } : {}),
  },
});

const PRINCIPALS: FuzzPrincipal[] = [
  principal('owner A', ALICE),
  // Owner B twice: most leak checks are about what B must not see of A.
  principal('owner B', BOB),
  principal('owner B', BOB),
  principal('owner C in /acme', CAROL, false, '/acme'),
  principal('admin', ROOT, true),
  principal('admin of /acme', ACME_ADMIN, true, '/acme'),
  principal('anonymous (401)', null, false, null, { 'x-user': 'anonymous' }),
  principal('unauthenticated (403)', null, false, null, {}),
];

/** A fixture subscription and what identifies its data in a response. */
interface FixtureSubscription {
  id: string;
  owner: string | null;
  scope: string;
  tokens: string[];
}

/** Whether a principal may see a subscription: the documented access rules, restated independently. */
function maySee(p: FuzzPrincipal, sub: { owner: string | null; scope: string }): boolean {
  if (p.id === null) return false;
  const within = (scope: string, root: string) => root === '/' || scope === root || scope.startsWith(`${root}/`);
  if (p.isAdmin) return p.scope === null || within(sub.scope, p.scope);
  const home = p.scope ?? '/';
  return sub.owner === p.id && (within(sub.scope, home) || within(home, sub.scope));
}

/**
 * The fuzz run against one adapter: Express (the default platform) on SQLite and PostgreSQL with the full
 * count, and Fastify (another router and body parser) on SQLite with a smaller one.
 */
function fuzzSuite(adapter: 'express' | 'fastify', kinds: DatabaseKind[], requests: number): void {
  describeEachDatabase(
    `admin API fuzz (${adapter})`,
    (db) => {
      let t: AdminTestApp;
      let agent: Agent;
      let send: (request: FuzzRequest) => Promise<{ request: FuzzRequest; status: number; text: string }>;
      const fixture: FixtureSubscription[] = [];
      const world: FuzzWorld = {
        principals: PRINCIPALS,
        subscriptions: new Map(),
        attempts: new Map(),
        disposable: new Map(),
        events: EVENTS,
      };

      beforeAll(async () => {
        t = await createAdminTestApp(db.options, options, { adapter });
        await t.app.listen(0, '127.0.0.1');
        const { port } = t.app.getHttpServer().address() as AddressInfo;
        // Fastify closes a connection after some errors, racing the reuse of kept-alive sockets: one per request there.
        agent = new Agent({ keepAlive: adapter === 'express', maxSockets: BATCH });
        send = (request) => sendRaw(agent, port, request);

        const add = async (owner: string | null, scope: string, marker: string, active = true) => {
          const sub = await t.subscriptions.create({
            to: `https://${marker}-hooks.example.com/private-path`,
            events: EVENTS,
            scope,
            owner,
            description: `${marker}-private-description`,
            metadata: { note: `${marker}-private-metadata` },
          });
          if (!active) await t.subscriptions.deactivate(sub.id, `${marker}-private-status`);
          fixture.push({
            id: sub.id,
            owner,
            scope,
            tokens: [
              sub.id,
              `${marker}-hooks`,
              `${marker}-private-description`,
              `${marker}-private-metadata`,
              `${marker}-private-status`,
            ],
          });
        };
        await add(ALICE, '/', 'alice1');
        await add(ALICE, '/', 'alice2', false);
        await add(ALICE, '/alice-team', 'alice3');
        await add(BOB, '/', 'bob1');
        await add(BOB, '/', 'bob2');
        await add(CAROL, '/acme/sales', 'carol1');
        await add(ROOT, '/ops', 'root1');
        await add(ACME_ADMIN, '/acme', 'acmeadmin1');
        await add(null, '/other', 'nobody1');
        const [staticSub] = (await t.subscriptions.list({ static: true })).items;
        fixture.push({ id: staticSub.id, owner: ALICE, scope: '/', tokens: [staticSub.id, 'alice-static-hook'] });

        // A history for every subscription: pending, failed and successful attempts.
        for (const scope of ['/', '/alice-team', '/acme/sales', '/ops', '/acme', '/other']) {
          for (const event of EVENTS) await t.dispatcher.dispatch(event, { marker: `payload-${scope}` }, { scope });
        }
        const attempts = await t.dataSource
          .createQueryBuilder()
          .select(['a.id AS id', 'a.subscription_id AS sub', 'a.message_id AS msg'])
          .from(WebhookDeliveryAttempt, 'a')
          .getRawMany();
        for (const [i, row] of attempts.entries()) {
          const status = ['pending', 'failed', 'successful'][i % 3];
          if (status !== 'pending') {
            await t.dataSource
              .createQueryBuilder()
              .update(WebhookDeliveryAttempt)
              .set({
                status,
                leaseOwner: null,
                leaseUntil: null,
                resolvedAt: new Date(),
                message: status === 'failed' ? '500 Internal Server Error' : '200 OK',
              } as never)
              .where('id = :id', { id: row.id })
              .execute();
          }
          const sub = fixture.find((f) => f.id === row.sub)!;
          sub.tokens.push(row.id, row.msg);
          world.attempts.set(row.sub, [...(world.attempts.get(row.sub) ?? []), row.id]);
        }
        // Attempts of one event share its message id: a token counts only if it is one subscription's alone.
        const seen = new Map<string, number>();
        for (const sub of fixture) for (const token of sub.tokens) seen.set(token, (seen.get(token) ?? 0) + 1);
        for (const sub of fixture) sub.tokens = sub.tokens.filter((token) => seen.get(token) === 1);
        for (const sub of fixture)
          world.subscriptions.set(sub.owner ?? '(none)', [
            ...(world.subscriptions.get(sub.owner ?? '(none)') ?? []),
            sub.id,
          ]);
        expect(attempts.length).toBeGreaterThanOrEqual(20);
      });
      afterAll(async () => {
        agent?.destroy();
        await t?.close();
      });

      it(
        `answers ${requests} malformed requests without a 5xx, a stored change or another owner's data`,
        { timeout: SOAK ? 3_600_000 : 180_000 },
        async () => {
          const rng = new Rng(SEED + kinds.indexOf(db.kind) + (adapter === 'fastify' ? 10 : 0));
          const fuzzer = new AdminFuzzer(rng, world);
          const initial = await takeSnapshot(t.dataSource);
          let previous: TableSnapshot = initial;
          const problems: string[] = [];
          /** The accepted changes, to explain a difference found at the end. */
          const history: Array<{ request: FuzzRequest; status: number; text: string }> = [];
          const statuses = new Map<number, number>();
          const routes = new Map<string, { sent: number; accepted: number }>();
          /** Subscriptions that accepted requests were allowed to change, over the whole run. */
          const changedBy = new Set<string>();
          let attemptsWildcard = false;
          let sent = 0;
          let unsendable = 0;
          let exactBatches = 0;
          let acceptedMutations = 0;
          const began = Date.now();

          const report = (request: FuzzRequest, status: number, text: string, problem: string) => {
            if (problems.length < 25) {
              problems.push(
                `${problem}\n  ${request.principal.label}: ${request.method} ${request.path.slice(0, 300)}\n  broken: ${request.broken.join('; ').slice(0, 300)}` +
                  `\n  body: ${(request.body ?? '').slice(0, 300)}\n  headers: ${JSON.stringify(request.headers)}\n  → ${status} ${text.slice(0, 400)}`,
              );
            }
          };

          while (sent < requests) {
            const batch = Array.from({ length: Math.min(BATCH, requests - sent) }, () => fuzzer.next());
            const results = await Promise.all(batch.map((request) => send(request)));

            const allowed = new Set<string>();
            let wildcard = false;
            for (const { request, status, text } of results) {
              if (status === -1) {
                unsendable++;
                continue;
              }
              sent++;
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              const route = routes.get(request.route) ?? { sent: 0, accepted: 0 };
              route.sent++;
              routes.set(request.route, route);
              checkResponse({ request, status, text }, report);

              const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
              if (!mutating || status >= 300) continue;
              route.accepted++;
              acceptedMutations++;
              history.push({ request, status, text });
              if (request.subject) allowed.add(request.subject);
              if (request.route === 'replay') {
                // The server read the body only if it was JSON; otherwise it saw no filter (an administrator's replay of all).
                const body =
                  request.headers['content-type'] === 'application/json' ? JSON.parse(request.body ?? '{}') : {};
                if (typeof body.subscriptionId === 'string') allowed.add(body.subscriptionId);
                else wildcard = true;
              }
              // A create: also through a path the router matched loosely (POST /webhooks/SUBSCRIPTIONS).
              if (status === 201) {
                const created = JSON.parse(text);
                allowed.add(created.id);
                const owner = 'owner' in created ? (created.owner ?? '(none)') : request.principal.id!;
                world.disposable.set(owner, [...(world.disposable.get(owner) ?? []), created.id]);
              }
              if (request.method === 'DELETE' && request.subject) {
                for (const [owner, ids] of world.disposable)
                  world.disposable.set(
                    owner,
                    ids.filter((id) => id !== request.subject),
                  );
              }
            }

            // What the batch stored: nothing at all unless a request was accepted, and then only on the
            // subscriptions the accepted requests were about.
            const current = await takeSnapshot(t.dataSource);
            const changes = diffSnapshots(previous, current);
            if (allowed.size === 0 && !wildcard) {
              exactBatches++;
              if (changes.length > 0) {
                problems.push(
                  `a batch of rejected or read-only requests changed ${changes.length} rows: ${JSON.stringify(changes.slice(0, 3))}`,
                );
                for (const r of results)
                  if (!['GET', 'OPTIONS'].includes(r.request.method))
                    report(r.request, r.status, r.text, 'in that batch');
              }
            } else {
              const unexplained = changes.filter(
                (c) => !allowed.has(c.subject) && !(wildcard && c.table === 'attempts'),
              );
              if (unexplained.length > 0) {
                problems.push(
                  `rows changed that no accepted request was about: ${JSON.stringify(unexplained.slice(0, 3))}`,
                );
                for (const r of results)
                  if (r.status < 300 && r.request.method !== 'GET')
                    report(r.request, r.status, r.text, 'accepted in that batch');
              }
            }
            for (const id of allowed) changedBy.add(id);
            attemptsWildcard ||= wildcard;
            previous = current;
            if (problems.length >= 25) break;
            if (process.env.WEBHOOKS_FUZZ_PROGRESS && sent % 1000 < BATCH)
              console.info(
                `[admin-fuzz ${db.kind} ${adapter}] ${sent} after ${((Date.now() - began) / 1000).toFixed(1)} s`,
              );
          }
          const seconds = (Date.now() - began) / 1000;

          // The whole run: the fixture rows of subscriptions no accepted request was about are exactly as they were.
          const final = await takeSnapshot(t.dataSource);
          const untouched = diffSnapshots(initial, final).filter(
            (c) => !changedBy.has(c.subject) && !(attemptsWildcard && c.table === 'attempts'),
          );
          for (const change of untouched.slice(0, 3)) {
            const mentions = history.filter(
              (h) => h.text.includes(change.subject) || h.request.path.includes(change.subject),
            );
            problems.push(
              `${change.change} ${change.key} over the run, by no accepted request; answers that mention it:\n` +
                mentions
                  .map(
                    (h) =>
                      `  ${h.request.principal.label} ${h.request.method} ${h.request.path.slice(0, 200)} ${h.request.body?.slice(0, 200)} → ${h.status} ${h.text.slice(0, 200)}`,
                  )
                  .join('\n'),
            );
          }
          // No request reached the prototypes.
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();

          console.info(
            `[admin-fuzz ${db.kind} ${adapter}] ${sent} requests (seed ${SEED}) in ${seconds.toFixed(1)} s = ${Math.round(sent / seconds)} req/s; ` +
              `${unsendable} refused by the client; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ` +
              `${acceptedMutations} accepted changes; ${exactBatches} batches with no accepted change compared exactly; ` +
              `routes ${JSON.stringify(Object.fromEntries(routes))}; tables ${summarize(initial)} → ${summarize(final)}`,
          );
          expect(problems, problems.join('\n\n')).toEqual([]);
          expect(sent).toBeGreaterThanOrEqual(requests);
        },
      );

      it('answers the inputs the fuzzer found (NUL, lone surrogates, deep nesting, a nameless parameter) with a 4xx and changes nothing', async () => {
        const alice = { 'x-user': ALICE, 'content-type': 'application/json' };
        // A subscription of its own: the fuzz run may have given the fixture ones to other owners.
        const { id: own } = await t.subscriptions.create({
          to: 'https://found.example.com/own',
          events: EVENTS,
          owner: ALICE,
        });
        const before = await takeSnapshot(t.dataSource);
        // Written out as text: a value nested this deep is more than some helpers can walk.
        const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        const withNested = (fields: object, key: string, depth: number) =>
          JSON.stringify({ ...fields, [key]: 0 }).replace(`"${key}":0`, `"${key}":${nested(depth)}`);
        const valid = { to: 'https://found.example.com/hook', events: ['contact.create'] };
        const admin = { 'x-user': ROOT, 'x-admin': 'true', 'content-type': 'application/json' };
        const cases: Array<[string, string, string | undefined, number, string?, Record<string, string>?]> = [
          // PostgreSQL refuses NUL in text: these were 500s there.
          ['GET', `/webhooks/subscriptions/a%00b`, undefined, 404],
          ['GET', `/webhooks/subscriptions/${own}/attempts/a%00b`, undefined, 404],
          ['GET', `/webhooks/subscriptions?owner=%00`, undefined, 400, 'owner', admin],
          [
            'POST',
            '/webhooks/subscriptions',
            JSON.stringify({ ...valid, description: 'a\u0000b' }),
            400,
            'description',
          ],
          [
            'POST',
            '/webhooks/subscriptions',
            JSON.stringify({ ...valid, to: 'https://found.example.com/a\u0000b' }),
            400,
            'to',
          ],
          [
            'POST',
            `/webhooks/subscriptions/${own}/deactivate`,
            JSON.stringify({ statusMessage: 'x\u0000' }),
            400,
            'statusMessage',
          ],
          ['POST', '/webhooks/attempts/replay', JSON.stringify({ subscriptionId: 'a\u0000' }), 404],
          // Unpaired surrogates were stored as U+FFFD: what was read back was not what was accepted.
          ['PATCH', `/webhooks/subscriptions/${own}`, JSON.stringify({ description: 'x\ud800y' }), 400, 'description'],
          // class-transformer recursed into these until the stack overflowed: 500s.
          ['POST', '/webhooks/subscriptions', withNested(valid, 'metadata', 5_000), 400, 'metadata'],
          ['PATCH', `/webhooks/subscriptions/${own}`, withNested({}, 'metadata', 33), 400, 'metadata'],
          ['POST', '/webhooks/attempts/replay', withNested({}, 'subscriptionId', 5_000), 400, 'subscriptionId'],
          // "?=x" named the field "" (" is not a known field").
          ['GET', '/webhooks/subscriptions?=x', undefined, 400, '""'],
        ];
        for (const [method, path, body, status, field, headers = alice] of cases) {
          const answer = await send({
            principal: PRINCIPALS[0],
            method,
            path,
            headers,
            body,
            route: 'found',
            broken: [],
            fields: new Set(),
            framework: false,
          });
          const context = `${method} ${path} ${(body ?? '').slice(0, 80)} → ${answer.status} ${answer.text.slice(0, 200)}`;
          expect(answer.status, context).toBe(status);
          if (field) expect(JSON.parse(answer.text), context).toMatchObject({ field });
        }
        expect(diffSnapshots(before, await takeSnapshot(t.dataSource))).toEqual([]);
        // At the limit, nesting is accepted.
        const ok = await send({
          principal: PRINCIPALS[0],
          method: 'PATCH',
          path: `/webhooks/subscriptions/${own}`,
          headers: alice,
          body: withNested({}, 'metadata', 31),
          route: 'found',
          broken: [],
          fields: new Set(),
          framework: false,
        });
        expect(ok.status, ok.text.slice(0, 200)).toBe(200);
      });

      /** The checks on every answer. */
      function checkResponse(
        { request, status, text }: { request: FuzzRequest; status: number; text: string },
        report: (request: FuzzRequest, status: number, text: string, problem: string) => void,
      ): void {
        if (status >= 500) return report(request, status, text, `a ${status}`);
        // The server dropped the connection before answering: only acceptable for what it refuses to read.
        if (status === 0)
          return request.framework ? undefined : report(request, status, text, 'the connection was dropped');
        let body: any;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // Node answers a request line it cannot take (431, 400) before any framework sees it, in plain text.
          if (!(request.framework && status >= 400)) report(request, status, text, 'an answer that is not JSON');
          return;
        }
        if (body === undefined && request.framework && status >= 400) return;
        if (
          status >= 400 &&
          (typeof body !== 'object' || body === null || body.statusCode !== status || typeof body.message !== 'string')
        ) {
          report(request, status, text, 'an error without { statusCode, message }');
        }
        if (status === 400 && !request.framework) {
          const root = typeof body?.field === 'string' ? body.field.split(/[.[]/)[0] : undefined;
          if (!root || typeof body.reason !== 'string' || !body.message.includes(body.field))
            report(request, status, text, 'a 400 that names no field');
          else if (
            root !== 'body' &&
            !request.fields.has('*') &&
            ![...request.fields].some((f) => body.field.startsWith(f))
          )
            report(request, status, text, `a 400 naming "${body.field}", which the request did not break`);
        }
        // Nothing of a subscription the caller may not see, unless the caller itself sent it.
        const sentText = `${request.path} ${safeDecode(request.path)} ${request.body ?? ''} ${Object.values(request.headers).join(' ')}`;
        for (const sub of fixture) {
          if (maySee(request.principal, sub)) continue;
          for (const token of sub.tokens) {
            if (text.includes(token) && !sentText.includes(token)) {
              return report(request, status, text, `data of a subscription the caller may not see (${token})`);
            }
          }
        }
        // Nor the name of an owner none of whose subscriptions the caller may see.
        for (const owner of [ALICE, BOB, CAROL, ROOT, ACME_ADMIN]) {
          if (
            owner === request.principal.id ||
            fixture.some((sub) => sub.owner === owner && maySee(request.principal, sub))
          )
            continue;
          if (text.includes(owner) && !sentText.includes(owner))
            return report(request, status, text, `the owner ${owner}`);
        }
        if (status < 300 && body !== undefined && request.principal.id !== null) {
          const p = request.principal;
          walk(body, (node) => {
            if (!p.isAdmin && 'owner' in node && node.owner !== p.id)
              report(request, status, text, `a subscription of ${node.owner}`);
            if (
              p.isAdmin &&
              p.scope !== null &&
              typeof node.scope === 'string' &&
              'owner' in node &&
              !maySee(p, node as never)
            ) {
              report(request, status, text, `a subscription outside ${p.scope}`);
            }
          });
        }
      }
    },
    kinds,
  );
}

fuzzSuite('express', ['sqlite', 'postgres'], REQUESTS);
fuzzSuite('fastify', ['sqlite'], Math.ceil(REQUESTS / 4));

/**
 * Sends one request over a keep-alive connection and reads the whole answer. A request the client refuses
 * to send (a path or header it considers invalid) comes back with status -1: it never reached the server.
 */
function sendRaw(
  agent: Agent,
  port: number,
  fuzz: FuzzRequest,
): Promise<{ request: FuzzRequest; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let req;
    try {
      // Framed explicitly: Node sends the body of a GET or DELETE unframed otherwise.
      const headers =
        fuzz.body === undefined
          ? fuzz.headers
          : { ...fuzz.headers, 'content-length': String(Buffer.byteLength(fuzz.body)) };
      req = httpRequest(
        { host: '127.0.0.1', port, agent, method: fuzz.method, path: fuzz.path, headers, timeout: 20_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ request: fuzz, status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
    } catch (error) {
      return resolve({ request: fuzz, status: -1, text: (error as Error).message });
    }
    req.on('timeout', () => req.destroy(new Error(`no answer in 20 s: ${fuzz.method} ${fuzz.path.slice(0, 200)}`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Node answers a request line or headers it cannot take (431) and closes; a body it did not read may
      // then fail to write. The answer, if any, was received.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE')
        resolve({ request: fuzz, status: 0, text: error.message });
      else reject(error);
    });
    req.end(fuzz.body);
  });
}

/** The path with every piece that decodes decoded (one bad escape does not hide the rest). */
function safeDecode(path: string): string {
  return path
    .split(/([/?&=])/)
    .map((piece) => {
      try {
        return decodeURIComponent(piece);
      } catch {
        return piece;
      }
    })
    .join('');
}

function walk(value: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (typeof value === 'object' && value !== null) {
    visit(value as Record<string, unknown>);
    for (const child of Object.values(value)) walk(child, visit);
  }
}
