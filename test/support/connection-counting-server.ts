import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server that counts the TCP connections made to it. */
export interface CountingServer {
  /** The port it listens on (on 127.0.0.1). */
  readonly port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** The `Host` header of every request received. */
  readonly hosts: string[];
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 (a random port) answering every request with 204. */
export async function startCountingServer(): Promise<CountingServer> {
  let connections = 0;
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    res.writeHead(204).end();
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends one GET to `address:port` (an IP, so no lookup happens; `lookup` throws if Node ever asks for one),
 * with `hostHeader` as the `Host` header. Resolves with the status code; fails after `timeoutMs`.
 */
export function getPinned(
  address: string,
  port: number,
  path: string,
  hostHeader: string,
  timeoutMs = 5_000,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        path,
        method: 'GET',
        headers: { host: hostHeader, connection: 'close' },
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
        lookup: () => {
          throw new Error(`unexpected DNS lookup while connecting to ${address}`);
        },
      },
      (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
