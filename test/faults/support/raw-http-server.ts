import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { eventually } from '../../support/eventually';

/** A request as the raw server parsed it: only what the fault scripts need. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * How the server misbehaves for one request. It gets the socket after the whole request was read and
 * does what it wants with it; {@link RawHttpServer.written} counts the bytes the socket took.
 */
export type RawScript = (socket: Socket, request: RawRequest, index: number) => void;

/**
 * A TCP server on 127.0.0.1 that reads HTTP requests itself and answers whatever a script writes: a
 * status line that is not HTTP, a reset in the middle of a body, a body that never ends, 50 MB. Node's
 * HTTP server cannot be made to misbehave that way.
 */
export class RawHttpServer {
  readonly requests: RawRequest[] = [];
  /** Bytes the scripts' sockets accepted (kernel buffers included), per request index. */
  readonly written: number[] = [];
  /** Sockets that were closed by the peer (or errored) before the script finished writing. */
  closedEarly = 0;
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  private portNumber = 0;

  private constructor(private script: RawScript) {}

  static async start(script: RawScript, port = 0): Promise<RawHttpServer> {
    const server = new RawHttpServer(script);
    await server.listen(port);
    return server;
  }

  get port(): number {
    return this.portNumber;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.portNumber}${path}`;
  }

  /** Changes how the next requests are answered. */
  answer(script: RawScript): void {
    this.script = script;
  }

  /** Resolves once `count` requests arrived; rejects after `timeout` ms. */
  async waitFor(count: number, timeout = 10_000): Promise<void> {
    await eventually(
      () => this.requests.length >= count,
      () => `raw server: ${count} requests (got ${this.requests.length})`,
      timeout,
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private listen(port: number): Promise<void> {
    this.server = createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.portNumber = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line, ...headerLines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const header of headerLines) {
        const colon = header.indexOf(':');
        headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      const [method, path] = line.split(' ');
      const request = { method, path, headers, body: buffered.subarray(end + 4, end + 4 + length).toString('utf8') };
      const index = this.requests.push(request) - 1;
      this.written[index] = 0;
      const write = socket.write.bind(socket);
      // Count what the socket took, to show how much of a huge body the client let through.
      socket.write = ((data: string | Uint8Array, ...rest: never[]) => {
        this.written[index] += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
        return write(data, ...rest);
      }) as Socket['write'];
      socket.once('close', () => {
        if (socket.writableLength > 0 || !socket.writableEnded) this.closedEarly++;
      });
      this.script(socket, request, index);
    };
    socket.on('data', onData);
  }
}

/** Writes `total` bytes of `chunk` repeated (or forever), respecting backpressure, until the peer goes away. */
export function pump(socket: Socket, chunk: Buffer, total = Infinity): void {
  let sent = 0;
  const more = () => {
    while (sent < total && !socket.destroyed) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      if (!socket.write(piece)) {
        socket.once('drain', more);
        return;
      }
    }
    if (sent >= total && !socket.destroyed) socket.end();
  };
  more();
}
