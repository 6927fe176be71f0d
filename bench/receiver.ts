/**
 * The benchmark's webhook receiver: a child process (never the measuring one) serving
 * `http://127.0.0.1:<ephemeral port>/` with keep-alive, answering `200` to every request at once.
 *
 * It counts requests and records, per `webhook-id` header, the wall-clock arrival time in milliseconds
 * with sub-millisecond precision (`performance.timeOrigin + performance.now()`), taken when the request
 * head has been parsed. The parent asks for counters and arrival times, and resets them, over IPC
 * (see `support/receiver.protocol.ts`).
 *
 * Bounded: it exits when the IPC channel closes (the parent ended or died), when the parent's pid
 * is gone, and after a hard lifetime limit.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceiverReady, ReceiverRequest, ReceiverResponse, ReceiverStats } from './support/receiver.protocol';

/** At most this many arrivals are kept (≈ 100 bytes each) until the next reset. */
const MAX_RECORDED = 1_000_000;
/** The receiver never outlives this, whatever happens to its parent. */
const MAX_LIFETIME_MS = Number(process.env.BENCH_RECEIVER_MAX_LIFETIME_MS ?? 30 * 60_000);

if (!process.send) {
  console.error('bench/receiver is a child process of bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}

const clock = () => performance.timeOrigin + performance.now();
let arrivals = new Map<string, number>();
let requests = 0;
let connections = 0;
let duplicates = 0;
let dropped = 0;

const server = createServer({ keepAlive: true }, (req, res) => {
  const at = clock();
  requests++;
  const id = req.headers['webhook-id'];
  if (typeof id === 'string') {
    if (arrivals.has(id)) duplicates++;
    else if (arrivals.size < MAX_RECORDED) arrivals.set(id, at);
    else dropped++;
  }
  res.writeHead(200, { 'content-length': '0' });
  res.end();
  // The answer does not wait for the body, but the body must still be read for the connection to be reused.
  req.resume();
});
// Connections stay open between bursts of a scenario; the client pools decide when to close them.
server.on('connection', () => connections++);
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => {
  const ready: ReceiverReady = { op: 'ready', port: (server.address() as AddressInfo).port };
  process.send!(ready);
});

function handle(request: ReceiverRequest): unknown {
  switch (request.op) {
    case 'stats': {
      const stats: ReceiverStats = { requests, connections, recorded: arrivals.size, duplicates, dropped };
      return stats;
    }
    case 'reset':
      arrivals = new Map();
      requests = connections = duplicates = dropped = 0;
      return null;
    case 'now':
      return clock();
    case 'arrivals': {
      if (!request.ids) return [...arrivals];
      return request.ids.map((id) => [id, arrivals.get(id) ?? null]);
    }
    default:
      throw new Error(`unknown receiver operation ${JSON.stringify((request as { op: unknown }).op)}`);
  }
}

process.on('message', (request: ReceiverRequest) => {
  let response: ReceiverResponse;
  try {
    response = { id: request.id, ok: true, result: handle(request) };
  } catch (error) {
    response = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  process.send!(response);
});

const exit = () => process.exit(0);
process.on('disconnect', exit);
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    exit();
  }
}, 1000).unref();
setTimeout(exit, MAX_LIFETIME_MS).unref();
