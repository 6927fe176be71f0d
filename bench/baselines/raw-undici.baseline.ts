import { Pool } from 'undici';
import { runClosedLoop, type ClosedLoopResult, type LoadBudget } from '../support/closed-loop';

/** Options of {@link rawUndici}. */
export interface RawUndiciOptions extends LoadBudget {
  /** The receiver URL (origin and path). */
  url: string;
  /** The bodies to POST, used round-robin. */
  bodies: readonly string[];
  /** Requests in flight (and connections in the pool). @default 64 */
  concurrency?: number;
  /** Unmeasured warm-up before the measured part. @default 0 */
  warmupMs?: number;
  /** `webhook-id` of request n: this prefix and n (distinct prefixes keep runs apart at the receiver). @default 'raw_' */
  idPrefix?: string;
}

/**
 * The "raw" baseline: the fastest a Node process can POST these bodies — an undici keep-alive pool with
 * one connection per request in flight, no pipelining, nothing but the request and reading the answer.
 */
export async function rawUndici(options: RawUndiciOptions): Promise<ClosedLoopResult> {
  const { bodies, concurrency = 64, idPrefix = 'raw_' } = options;
  const url = new URL(options.url);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  try {
    return await runClosedLoop({
      concurrency,
      count: options.count,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      task: async (index) => {
        const response = await pool.request({
          path: url.pathname + url.search,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': `${idPrefix}${index}` },
          body: bodies[index % bodies.length],
        });
        await response.body.dump();
        if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
      },
    });
  } finally {
    await pool.close();
  }
}
