import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Pool } from 'undici';
import type {
  WebhookTransportOptions,
  WebhookTransportRequest,
  WebhookTransportResponse,
} from '../../options/webhook-transport.interface';
import { WebhookTransport } from '../../options/webhook-transport.interface';

/** Pools kept open at once; the least recently used is closed beyond this. */
const MAX_POOLS = 512;

/**
 * The default transport: undici keep-alive pools, one per (origin, checked address). A pool only ever
 * connects to the address the destination guard checked — its `lookup` answers with that address whatever
 * it is asked — so connection reuse never reaches an address that was not checked, while TLS still verifies
 * the certificate against the host name (sent as SNI). Redirects are not followed: a 3xx is just a response.
 */
export class UndiciTransport extends WebhookTransport {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly connectionsPerPool = 64) {
    super();
  }

  async send(request: WebhookTransportRequest, options: WebhookTransportOptions): Promise<WebhookTransportResponse> {
    const { destination } = options;
    const pool = this.pool(destination.url.origin, destination.address, destination.family, options.connectTimeout);
    // undici's own timers bound the wait for the response head and each pause of its body: an AbortSignal
    // with a timer of its own per try cost ≈ 4% of the CPU of a busy sender. A receiver trickling its body
    // is cut off at twice the timeout in all (not at once at the timeout: on a busy event loop a prompt
    // answer can be read a little after it).
    const deadline = performance.now() + 2 * options.timeout;
    const response = await pool.request({
      path: `${destination.url.pathname}${destination.url.search}`,
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: options.timeout,
      bodyTimeout: options.timeout,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const { body, truncated } = await readCapped(response.body, options.maxResponseBodyBytes, deadline);
    return {
      statusCode: response.statusCode,
      reason: STATUS_CODES[response.statusCode] ?? '',
      headers: flattenHeaders(response.headers),
      body,
      truncated,
    };
  }

  override async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.close()));
  }

  private pool(origin: string, address: string, family: 4 | 6, connectTimeout: number): Pool {
    const key = `${origin}|${address}`;
    let pool = this.pools.get(key);
    if (pool) {
      this.pools.delete(key);
      this.pools.set(key, pool);
      return pool;
    }
    pool = new Pool(origin, {
      connections: this.connectionsPerPool,
      connect: { lookup: pinnedLookup(address, family), timeout: connectTimeout },
      keepAliveTimeout: 4_000,
    });
    this.pools.set(key, pool);
    if (this.pools.size > MAX_POOLS) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, Pool];
      this.pools.delete(oldestKey);
      void oldest.close().catch(() => undefined);
    }
    return pool;
  }
}

/**
 * A `lookup` that answers every question with the one address the destination guard checked, so that a
 * connection can only ever reach that address (TLS still verifies the certificate against the host name).
 */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * Reads at most `cap` bytes; a body cut short drops its incomplete last UTF-8 character. Throws when a chunk
 * arrives after `deadline` (`performance.now()` time).
 */
export async function readCapped(
  stream: AsyncIterable<Buffer> & { destroy(error?: Error): void },
  cap: number,
  deadline = Infinity,
): Promise<{ body: string; truncated: boolean }> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let size = 0;
  for await (const chunk of stream) {
    if (performance.now() > deadline) {
      const error = new Error('The response body was still arriving at the try timeout');
      stream.destroy(error);
      throw error;
    }
    const room = cap - size;
    if (chunk.length > room) {
      text += decoder.write(chunk.subarray(0, Math.max(room, 0)));
      // Stop reading: the rest of a large body is not worth the bandwidth (the connection is dropped).
      stream.destroy();
      return { body: text, truncated: true };
    }
    size += chunk.length;
    text += decoder.write(chunk);
  }
  return { body: text + decoder.end(), truncated: false };
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
