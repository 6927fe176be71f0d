/**
 * The benchmark's webhook receiver: a child process (never the measuring one) serving
 * `http://127.0.0.1:<ephemeral port>/` with keep-alive, answering `200` to every request at once.
 *
 * Requests under `/hold/` are the exception: they get no answer until the parent sends `release` (the
 * memory scenario uses them to keep deliveries in flight).
 *
 * It counts requests (in total and by the first segment of their path) and records, per `webhook-id` header, the wall-clock arrival time in milliseconds
 * with sub-millisecond precision (`performance.timeOrigin + performance.now()`), taken when the request
 * head has been parsed. The parent asks for counters and arrival times, and resets them, over IPC
 * (see `support/receiver.protocol.ts`).
 *
 * Bounded: it exits when the IPC channel closes (the parent ended or died), when the parent's pid
 * is gone, and after a hard lifetime limit.
 */
import { createServer, type ServerResponse } from 'node:http';
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
let byPath = new Map<string, number>();
let held: ServerResponse[] = [];
let holding = true;

const answer = (res: ServerResponse) => {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
};

/** `/raw/12` → `raw`. */
function firstSegment(url: string): string {
  const end = url.indexOf('/', 1);
  const query = url.indexOf('?');
  const stop = end < 0 ? (query < 0 ? url.length : query) : query < 0 ? end : Math.min(end, query);
  return url.slice(1, stop);
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const at = clock();
  requests++;
  const id = req.headers['webhook-id'];
  if (typeof id === 'string') {
    if (arrivals.has(id)) duplicates++;
    else if (arrivals.size < MAX_RECORDED) arrivals.set(id, at);
    else dropped++;
  }
  const segment = firstSegment(req.url ?? '/');
  byPath.set(segment, (byPath.get(segment) ?? 0) + 1);
  if (segment === 'hold' && holding) {
    held.push(res);
    // A client that gives up (or exits) closes the connection: nothing is left to answer.
    res.on('close', () => {
      const index = held.indexOf(res);
      if (index >= 0) held.splice(index, 1);
    });
  } else {
    answer(res);
  }
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
      const stats: ReceiverStats = {
        requests,
        connections,
        recorded: arrivals.size,
        duplicates,
        dropped,
        byPath: Object.fromEntries(byPath),
        held: held.length,
      };
      return stats;
    }
    case 'reset':
      arrivals = new Map();
      requests = connections = duplicates = dropped = 0;
      byPath = new Map();
      holding = true;
      return null;
    case 'release': {
      const waiting = held;
      held = [];
      holding = false;
      for (const res of waiting) if (!res.writableEnded) answer(res);
      return waiting.length;
    }
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
