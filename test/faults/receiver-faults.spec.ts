import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookDeliveryAttempt, type WebhooksModuleOptions } from '../../lib';
import { REMOTE_ERROR } from '../../lib/core/messages/status.messages';
import { createTestApp, drainDue, type TestApp } from '../support/app';
import { TestClock } from '../support/clock';
import { describeEachDatabase } from '../support/databases';
import { eventually } from '../support/eventually';
import { budget, sized, SOAK } from './support/fault-sizes';
import { pump, RawHttpServer, type RawScript } from './support/raw-http-server';

const S = 1_000;
/** The try timeout of these suites: short, so that slow receivers cost little real time. */
const TIMEOUT = 400;

/**
 * Exact delays (10 s, 30 s, 60 s) between 4 tries; polls only when a test calls pollNow(); the whole
 * history kept, so that every attempt can be checked.
 */
const options = (clock: TestClock, extra: WebhooksModuleOptions = {}): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true },
  attemptLimit: 100_000,
  delivery: { pollInterval: 3_600_000, timeout: TIMEOUT, connectTimeout: TIMEOUT },
  retry: { attempts: 4, firstDelay: 10 * S, factor: 3, maxDelay: 60 * S, jitter: 0, throttlePause: 0 },
  clock,
  ...extra,
});

/** A well-formed answer that closes the connection (the raw server reads one request per connection). */
function answer(socket: Socket, status: number, body: string | Buffer = '', headers = ''): void {
  if (socket.destroyed) return;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  // Header bytes as given (latin1), as a server that does not care about encodings sends them.
  socket.write(
    Buffer.from(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-length: ${length}\r\nconnection: close\r\n${headers}\r\n`,
      'latin1',
    ),
  );
  socket.end(body);
}

const ok: RawScript = (socket) => answer(socket, 200, 'ok');

/** Bytes that are not UTF-8, with NULs and what would be JSON and SQL metacharacters. */
const GARBAGE = Buffer.concat([
  Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xed, 0xa0, 0x80]),
  Buffer.from('\u0000"\\\'; DROP TABLE webhook_subscriptions; --\ud800x\u202e\u200b'),
]);

interface Fault {
  /** What the receiver does on the first try (the second is answered 200). */
  name: string;
  first: RawScript;
  /** The first try as recorded. */
  statusCode: number;
  message: string;
  /** The error recorded in the try and the exception history (network faults). */
  error?: RegExp;
  check?: (attempt: WebhookDeliveryAttempt) => void;
}

const FAULTS: Fault[] = [
  {
    name: 'slow: headers after the timeout',
    first: (socket) => setTimeout(() => answer(socket, 200, 'late'), TIMEOUT * 5).unref(),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /timeout|aborted/i,
    check: (attempt) => expect(attempt.tries[0].elapsedMs).toBeGreaterThanOrEqual(TIMEOUT * 0.9),
  },
  {
    name: 'slow: the body stalls after the headers',
    first: (socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nonly ten b'),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /timeout|aborted/i,
  },
  {
    name: 'reset before answering',
    first: (socket) => socket.resetAndDestroy(),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /ECONNRESET|closed|socket/i,
  },
  {
    name: 'reset in the middle of the body',
    first: (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n${'x'.repeat(5_000)}`);
      setTimeout(() => socket.resetAndDestroy(), 20).unref();
    },
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /ECONNRESET|closed|terminated|socket/i,
  },
  {
    name: 'closed before the announced length',
    first: (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nshort'),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /closed|terminated|socket|length/i,
  },
  {
    name: 'not HTTP at all',
    first: (socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /HPE_|parse|expected|invalid/i,
  },
  {
    name: 'a status that is not a number',
    first: (socket) => socket.end('HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n'),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /HPE_|parse|status|invalid/i,
  },
  {
    name: 'a header line without a colon',
    first: (socket) => socket.end('HTTP/1.1 200 OK\r\nthis is no header\r\ncontent-length: 0\r\n\r\n'),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /HPE_|parse|header|invalid/i,
  },
  {
    name: '100 KB of headers',
    first: (socket) => socket.end(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(100_000)}\r\ncontent-length: 0\r\n\r\n`),
    statusCode: 0,
    message: REMOTE_ERROR,
    error: /header|overflow/i,
  },
  {
    name: 'a 500 with a body of binary garbage',
    first: (socket) => answer(socket, 500, GARBAGE, 'content-type: application/octet-stream\r\nx-odd: caf\xe9\r\n'),
    statusCode: 500,
    message: '500 Internal Server Error',
    check: (attempt) => {
      expect(attempt.response).toMatchObject({ statusCode: 500, truncated: false });
      expect(attempt.response!.body).toContain('DROP TABLE');
      expect(attempt.response!.body).toContain('\ufffd');
      expect(attempt.response!.headers['x-odd']).toBe('caf\xe9');
    },
  },
  {
    name: 'a status beyond the HTTP range',
    first: (socket) => socket.end('HTTP/1.1 600 Whatever\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
    statusCode: 600,
    message: '600',
  },
];

describeEachDatabase('receiver faults', (db) => {
  const clock = new TestClock();
  let app: TestApp;
  let server: RawHttpServer;
  /** How each path answers, by how many requests it got before. */
  const scripts = new Map<string, (index: number) => RawScript>();
  const seen = new Map<string, number>();

  beforeAll(async () => {
    server = await RawHttpServer.start((socket, request) => {
      const n = seen.get(request.path) ?? 0;
      seen.set(request.path, n + 1);
      (scripts.get(request.path)?.(n) ?? ok)(socket, request, n);
    });
    app = await createTestApp(db.options, options(clock));
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('records every kind of receiver fault as the failure it is, then retries it on schedule', async () => {
    const subs: Array<{ id: string }> = [];
    for (const [i, fault] of FAULTS.entries()) {
      scripts.set(`/fault-${i}`, (n) => (n === 0 ? fault.first : ok));
      subs.push(
        await app.subscriptions.create({
          to: server.url(`/fault-${i}`),
          events: 'fault.happen',
          description: fault.name,
        }),
      );
    }
    const t0 = clock.now();
    const { messageId, attempts } = await app.dispatcher.dispatch('fault.happen', { n: 1 });
    expect(attempts).toHaveLength(FAULTS.length);
    await app.engine.whenIdle(budget(10_000));

    const byPath = (i: number) => attempts.find((a) => a.subscriptionId === subs[i].id)!.id;
    for (const [i, fault] of FAULTS.entries()) {
      const attempt = await app.attempts.get(byPath(i));
      const context = `${fault.name}: ${JSON.stringify(attempt.tries)}`;
      expect(attempt, context).toMatchObject({
        status: 'pending',
        attemptCount: 1,
        message: fault.message,
        nextAttemptAt: new Date(t0 + 10 * S),
      });
      expect(attempt.tries[0], context).toMatchObject({
        number: 1,
        trigger: 'scheduled',
        statusCode: fault.statusCode,
        message: fault.message,
      });
      if (fault.error) {
        expect(attempt.response, context).toBeNull();
        expect(attempt.tries[0].error, context).toMatch(fault.error);
        expect(attempt.internalInfo.exceptionHistory, context).toHaveLength(1);
      } else {
        expect(attempt.internalInfo.exceptionHistory, context).toEqual([]);
      }
      fault.check?.(attempt);
    }

    // Nothing is due before the schedule says so; at 10 s every attempt gets its second try, and it succeeds.
    clock.advance(10 * S - 1);
    await drainDue(app);
    expect(FAULTS.map((_f, i) => seen.get(`/fault-${i}`))).toEqual(FAULTS.map(() => 1));
    clock.advance(1);
    await drainDue(app);
    for (const [i, fault] of FAULTS.entries()) {
      const attempt = await app.attempts.get(byPath(i));
      expect(attempt, fault.name).toMatchObject({
        status: 'successful',
        attemptCount: 2,
        message: '200 OK',
        nextAttemptAt: null,
      });
      expect(
        attempt.tries.map((t) => [t.trigger, t.statusCode]),
        fault.name,
      ).toEqual([
        ['scheduled', fault.statusCode],
        ['retry', 200],
      ]);
      expect(seen.get(`/fault-${i}`), fault.name).toBe(2);
    }
    const sent = server.requests.filter((r) => r.path.startsWith('/fault-'));
    expect(sent).toHaveLength(FAULTS.length * 2);
    expect(new Set(sent.map((r) => r.headers['webhook-id']))).toEqual(new Set([messageId]));
  });

  it('follows the schedule through 500, 500, then 200, and gives up after the last try of 500s', async () => {
    scripts.set('/flaky', (n) => (n < 2 ? (socket) => answer(socket, 500, 'busy') : ok));
    scripts.set('/broken', () => (socket) => answer(socket, 500, 'still busy'));
    const flaky = await app.subscriptions.create({ to: server.url('/flaky'), events: 'flaky.happen' });
    const broken = await app.subscriptions.create({ to: server.url('/broken'), events: 'flaky.happen' });
    const t0 = clock.now();
    const { attempts } = await app.dispatcher.dispatch('flaky.happen', {});
    await app.engine.whenIdle();
    for (const step of [10, 30, 60]) {
      clock.advance(step * S);
      await drainDue(app);
    }
    const [a, b] = await Promise.all(
      [flaky, broken].map((sub) => app.attempts.get(attempts.find((x) => x.subscriptionId === sub.id)!.id)),
    );
    expect(a.tries.map((t) => [t.at, t.statusCode])).toEqual([
      [new Date(t0).toISOString(), 500],
      [new Date(t0 + 10 * S).toISOString(), 500],
      [new Date(t0 + 40 * S).toISOString(), 200],
    ]);
    expect(a).toMatchObject({ status: 'successful', message: '200 OK' });
    expect(b.tries.map((t) => [t.at, t.statusCode, t.nextAttemptAt])).toEqual([
      [new Date(t0).toISOString(), 500, new Date(t0 + 10 * S).toISOString()],
      [new Date(t0 + 10 * S).toISOString(), 500, new Date(t0 + 40 * S).toISOString()],
      [new Date(t0 + 40 * S).toISOString(), 500, new Date(t0 + 100 * S).toISOString()],
      [new Date(t0 + 100 * S).toISOString(), 500, undefined],
    ]);
    expect(b).toMatchObject({
      status: 'failed',
      message: '500 Internal Server Error',
      nextAttemptAt: null,
      resolvedAt: new Date(t0 + 100 * S),
    });
    expect((await app.subscriptions.get(broken.id)).consecutiveFailures).toBe(1);
    expect((await app.subscriptions.get(flaky.id)).consecutiveFailures).toBe(0);
  });

  it('loses nothing while the receiver refuses connections for a while, and sends each event once when it is back', async () => {
    const count = sized(30, 300);
    // A port nobody listens on (for now): taken, noted, released.
    const probe = await RawHttpServer.start(ok);
    const port = probe.port;
    await probe.close();
    const sub = await app.subscriptions.create({ to: `http://127.0.0.1:${port}/back`, events: 'outage.happen' });
    const t0 = clock.now();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await app.dispatcher.dispatch('outage.happen', { i })).attempts[0].id);
    await app.engine.whenIdle();

    // Two rounds of refusals: each attempt pending, its tries all "refused", due on the schedule.
    clock.advance(10 * S);
    await drainDue(app);
    for (const id of ids) {
      const attempt = await app.attempts.get(id);
      expect(attempt).toMatchObject({
        status: 'pending',
        attemptCount: 2,
        message: REMOTE_ERROR,
        nextAttemptAt: new Date(t0 + 40 * S),
      });
      expect(attempt.tries.map((t) => t.error)).toEqual([
        expect.stringMatching(/ECONNREFUSED/),
        expect.stringMatching(/ECONNREFUSED/),
      ]);
    }

    const back = await RawHttpServer.start(ok, port);
    try {
      clock.advance(30 * S);
      await drainDue(app);
      for (const id of ids) {
        const attempt = await app.attempts.get(id);
        expect(attempt).toMatchObject({ status: 'successful', attemptCount: 3, message: '200 OK' });
        expect(attempt.tries.map((t) => t.statusCode)).toEqual([0, 0, 200]);
      }
      // Exactly one request per event reached the receiver: every payload once, none twice.
      expect(back.requests.map((r) => JSON.parse(r.body).i).sort((x, y) => x - y)).toEqual([...Array(count).keys()]);
      expect(new Set(back.requests.map((r) => r.headers['webhook-id'])).size).toBe(count);
      expect((await app.subscriptions.get(sub.id)).consecutiveFailures).toBe(0);
    } finally {
      await back.close();
    }
  });
});

const CAP = 8192;
const MB = 1024 * 1024;

describeEachDatabase(
  'huge and endless response bodies',
  (db) => {
    const clock = new TestClock();
    const chunk = Buffer.alloc(MB, 'x');
    let app: TestApp;
    let server: RawHttpServer;

    beforeAll(async () => {
      server = await RawHttpServer.start((socket, request) => {
        if (request.path === '/endless') {
          socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
          // Chunked framing around each 1 MB piece, forever.
          const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
          pump(socket, framed);
        } else {
          const size = Number(request.path.split('/')[2]) * MB;
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\ncontent-type: text/plain\r\n\r\n`);
          pump(socket, chunk, size);
        }
      });
      app = await createTestApp(
        db.options,
        options(clock, { delivery: { pollInterval: 3_600_000, timeout: 10_000, maxResponseBodyBytes: CAP } }),
      );
    });
    afterAll(async () => {
      await app?.close();
      await server?.close();
    });

    it('reads at most maxResponseBodyBytes of a 50 MB body and of a body that never ends, then stops', async () => {
      const huge = await app.subscriptions.create({ to: server.url('/mb/50'), events: 'big.happen' });
      const endless = await app.subscriptions.create({ to: server.url('/endless'), events: 'big.happen' });
      const began = Date.now();
      const { attempts } = await app.dispatcher.dispatch('big.happen', {});
      await app.engine.whenIdle(budget(10_000));
      for (const sub of [huge, endless]) {
        const attempt = await app.attempts.get(attempts.find((a) => a.subscriptionId === sub.id)!.id);
        expect(attempt).toMatchObject({ status: 'successful', message: '200 OK', attemptCount: 1 });
        expect(attempt.response).toMatchObject({ statusCode: 200, truncated: true, body: 'x'.repeat(CAP) });
      }
      // The connections were dropped, not drained: the server could not push the bodies through.
      await eventually(() => server.closedEarly >= 2, 'both connections dropped by the client', 5_000);
      for (const bytes of server.written) expect(bytes).toBeLessThan(50 * MB);
      expect(Date.now() - began).toBeLessThan(5_000);
    });

    it(`keeps memory bounded while ${sized(200, 1000)} deliveries are answered with 20 MB bodies`, async () => {
      const count = sized(200, 1000);
      const sub = await app.subscriptions.create({ to: server.url('/mb/20'), events: 'flood.happen' });
      const writtenBefore = server.written.length;
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      try {
        await Promise.all(Array.from({ length: count }, (_v, i) => app.dispatcher.dispatch('flood.happen', { i })));
        await app.engine.whenIdle(budget(30_000));
      } finally {
        clearInterval(sampler);
      }
      const growth = peak - before;
      const rows = await app.dataSource.getRepository(WebhookDeliveryAttempt).findBy({ subscriptionId: sub.id });
      expect(rows).toHaveLength(count);
      for (const attempt of rows) {
        expect(attempt).toMatchObject({ status: 'successful', response: { statusCode: 200, truncated: true } });
        expect(attempt.response!.body).toHaveLength(CAP);
      }
      const written = server.written.slice(writtenBefore);
      expect(written).toHaveLength(count);
      const total = written.reduce((sum, bytes) => sum + bytes, 0);
      // Reading every body in full would move count × 20 MB and hold up to concurrency (64) × 20 MB at
      // once (1.3 GB). Only the first CAP bytes are read, then the connection is dropped: what is in flight
      // is bounded by 64 connections × their socket buffers (a few MB each, mostly in the kernel). What
      // stays is what the test keeps: every event of the test app, each holding an attempt with its 8 KB
      // response body, counted at 64 KB per delivery. 96 MB + that is a wide bound.
      expect(total).toBeLessThan(count * 20 * MB * 0.5);
      expect(growth).toBeLessThan(96 * MB + count * 64 * 1024);
      console.info(
        `[receiver-faults] ${count} × 20 MB answers: rss ${Math.round(before / MB)} → peak ${Math.round(peak / MB)} MB ` +
          `(+${Math.round(growth / MB)} MB); ${Math.round(total / MB)} MB accepted by the sockets of ${count * 20} MB offered${SOAK ? ' (soak)' : ''}`,
      );
    });
  },
  ['sqlite'],
);
