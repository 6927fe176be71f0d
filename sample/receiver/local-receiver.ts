import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';

/** How one endpoint of the receiver behaves. */
export interface ReceiverEndpointOptions {
  /** The subscription's signing secret (`whsec_...`), as `create()` returned it. */
  secret: string;
  /**
   * The status answered to correctly signed requests (a bad signature is always answered 401).
   * @default 200
   */
  status?: number;
}

/** A request the receiver got. */
export interface ReceivedWebhook {
  path: string;
  /** The `webhook-id` header: one per event and subscription, the same on every try. */
  webhookId: string;
  /** Whether the Standard Webhooks signature verified against the endpoint's secret. */
  verified: boolean;
  /** Why it did not. */
  failure?: string;
  /** What the receiver answered. */
  status: number;
  body: string;
}

/**
 * The systems the sample sends webhooks to, all in one: a real HTTP server on 127.0.0.1 (an ephemeral
 * port) whose endpoints verify every request with the `standardwebhooks` package — as any receiver of
 * Standard Webhooks would — then answer as told (200, or 500 for a failing target, 410 for one that
 * unsubscribes).
 */
@Injectable()
export class LocalReceiver implements OnModuleInit, OnApplicationShutdown {
  /** Every request, in the order they arrived. */
  readonly received: ReceivedWebhook[] = [];
  /** Where to report each request as it arrives (the sample sets it once its report is printed). */
  log: ((line: string) => void) | null = null;
  private readonly endpoints = new Map<string, { verifier: Webhook; status: number }>();
  private readonly server: Server = createServer((request, response) => void this.handle(request, response));

  onModuleInit(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  onApplicationShutdown(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The receiver's URL for `path`, e.g. `http://127.0.0.1:41234/hooks/audit`. */
  url(path = '/'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Opens (or changes) the endpoint at `path`; returns its URL, the subscription's target. */
  endpoint(path: string, { secret, status = 200 }: ReceiverEndpointOptions): string {
    this.endpoints.set(path, { verifier: new Webhook(secret), status });
    return this.url(path);
  }

  /** The requests `path` got. */
  receivedAt(path: string): ReceivedWebhook[] {
    return this.received.filter((request) => request.path === path);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (request.url ?? '/').split('?')[0];
    const endpoint = this.endpoints.get(path);
    if (!endpoint) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`no endpoint at ${path}`);
      return;
    }
    const received: ReceivedWebhook = {
      path,
      webhookId: String(request.headers['webhook-id'] ?? ''),
      verified: false,
      status: 401,
      body,
    };
    try {
      // Throws unless a signature matches the secret and the timestamp is within 5 minutes of now.
      endpoint.verifier.verify(body, plainHeaders(request.headers));
      received.verified = true;
      received.status = endpoint.status;
    } catch (error) {
      received.failure = (error as Error).message;
    }
    this.received.push(received);
    if (this.log) {
      const signature = received.verified ? 'signature verified' : `signature NOT verified (${received.failure})`;
      this.log(`receiver: ${path} got ${received.webhookId}, ${signature}, answered ${received.status}`);
    }
    response
      .writeHead(received.status, { 'content-type': 'text/plain' })
      .end(received.verified ? 'thanks' : 'bad signature');
  }
}

/** Node's headers (a value may be a list) as the single strings `standardwebhooks` reads. */
function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) plain[name] = Array.isArray(value) ? value.join(', ') : value;
  return plain;
}
