import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** How the receiver answers a path. */
export interface ReceiverResponse {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long (ms) before answering. */
  delay?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
}

type Responder = ReceiverResponse | ((request: ReceivedRequest, index: number) => ReceiverResponse);

/**
 * A real HTTP server on 127.0.0.1 for delivery tests: records every request, answers per path (200 by
 * default), counts TCP connections, and lets tests wait for a number of requests with a deadline.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  connections = 0;
  private readonly responders = new Map<string, Responder>();
  private readonly waiters: Array<() => void> = [];
  private server!: Server;

  static async start(): Promise<TestReceiver> {
    const receiver = new TestReceiver();
    await receiver.listen();
    return receiver;
  }

  /** The base URL, e.g. `http://127.0.0.1:43210`. */
  url(path = '/'): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  /** Sets how `path` is answered. */
  respond(path: string, responder: Responder): void {
    this.responders.set(path, responder);
  }

  /** Requests to `path` (or all). */
  received(path?: string): ReceivedRequest[] {
    return path === undefined ? [...this.requests] : this.requests.filter((r) => r.path === path);
  }

  /** Resolves once `count` requests (to `path`, or in all) have arrived; rejects after `timeout` ms. */
  async waitFor(count: number, path?: string, timeout = 10_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeout;
    while (this.received(path).length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `receiver: expected ${count} requests${path ? ` to ${path}` : ''}, got ${this.received(path).length} after ${timeout} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received(path);
  }

  reset(): void {
    this.requests.length = 0;
    this.connections = 0;
    this.responders.clear();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', () => this.connections++);
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    const index = this.received(path).length;
    this.requests.push(request);
    const responder = this.responders.get(path) ?? {};
    const answer = typeof responder === 'function' ? responder(request, index) : responder;
    if (answer.delay) await new Promise((resolve) => setTimeout(resolve, answer.delay));
    if (answer.reset) {
      req.socket.destroy();
    } else {
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
