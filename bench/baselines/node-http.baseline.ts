import { request } from 'node:http';
import { runClosedLoop, type ClosedLoopResult } from '../support/closed-loop';
import type { RawUndiciOptions } from './raw-undici.baseline';

/** Options of {@link nodeHttpOneConnection}: the same as the raw baseline's. */
export type NodeHttpOneConnectionOptions = RawUndiciOptions;

/**
 * The "one connection per request" baseline: `node:http` with `agent: false` and `connection: close`,
 * i.e. a TCP handshake and teardown for every request (what a sender that pins the resolved address
 * per delivery and never reuses sockets pays).
 */
export async function nodeHttpOneConnection(options: NodeHttpOneConnectionOptions): Promise<ClosedLoopResult> {
  const { bodies, concurrency = 64 } = options;
  const url = new URL(options.url);
  return runClosedLoop({
    concurrency,
    count: options.count,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    task: (index) => post(url, `http1_${index}`, bodies[index % bodies.length]),
  });
}

function post(url: URL, id: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent: false,
        headers: {
          connection: 'close',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'webhook-id': id,
        },
      },
      (res) => {
        res.on('error', reject);
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        res.resume();
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timed out after 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}
