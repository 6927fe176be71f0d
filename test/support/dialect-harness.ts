import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { request } from 'undici';
import { WebhookSubscription } from '../../lib/entities/webhook-subscription.entity';
import { DialectRegistry } from '../../lib/deliver/dialects/dialect.registry';
import type {
  WebhookDialectRequest,
  WebhookRenderContext,
  WebhookTryContext,
} from '../../lib/options/webhook-dialect.interface';
import { PayloadShapers } from '../../lib/enqueue/payloads/payload-shapers.service';
import { WEBHOOK_PAYLOAD_OPTIONS, WEBHOOK_RESOURCE_METADATA } from '../../lib/core/payload.constants';
import type { WebhookPayloadOptions } from '../../lib/options/webhook-payload-options.interface';
import type { ClassLike } from '../../lib/core/util/class-like.util';

/** A Nest context holding the dialect registry and the payload shapers, as the webhooks module will. */
export interface PayloadHarness {
  module: TestingModule;
  dialects: DialectRegistry;
  shapers: PayloadShapers;
  /** Shapes `object` and renders the body for a subscription of `dialect`, as the dispatcher does. */
  render(object: unknown, event: string, dialect?: string, resource?: string): RenderedMessage;
  close(): Promise<void>;
}

/** What the sender would store for one (event, subscription). */
export interface RenderedMessage {
  shaped: unknown;
  body: string;
  contentType: string;
  context: WebhookRenderContext;
  /** The request of try `tryNumber`. */
  requestFor(tryNumber?: number): WebhookDialectRequest;
}

/** Compiles and initializes a module with the two providers, `options` under their token and `providers`. */
export async function createPayloadHarness(
  options: WebhookPayloadOptions = {},
  extra: { providers?: Provider[]; imports?: DynamicModule['imports'] } = {},
): Promise<PayloadHarness> {
  const module = await Test.createTestingModule({
    imports: [DiscoveryModule, ...(extra.imports ?? [])],
    providers: [
      { provide: WEBHOOK_PAYLOAD_OPTIONS, useValue: options },
      DialectRegistry,
      PayloadShapers,
      ...(extra.providers ?? []),
    ],
  }).compile();
  module.useLogger(false);
  await module.init();
  const dialects = module.get(DialectRegistry);
  const shapers = module.get(PayloadShapers);
  return {
    module,
    dialects,
    shapers,
    render(object, event, dialectName = 'default', resource) {
      const dialect = dialects.get(dialectName);
      if (!dialect) throw new Error(`test setup: no dialect ${dialectName}`);
      const context: WebhookRenderContext = {
        event,
        messageId: 'msg_2zYQ3',
        scope: '/',
        timestamp: new Date('2025-03-04T05:06:07.089Z'),
        subscription: subscriptionWith(dialectName),
        ...(resource !== undefined && { resource }),
      };
      const shaped = shapers.shape(object, { event, dialect: dialectName, resource });
      const { body, contentType } = dialects.renderBody(dialect, shaped, context);
      return {
        shaped,
        body,
        contentType,
        context,
        requestFor: (tryNumber = 1) =>
          dialects.requestFor(dialect, {
            ...context,
            attemptId: `att_${tryNumber}`,
            tryNumber,
          } satisfies WebhookTryContext),
      };
    },
    close: () => module.close(),
  };
}

/** A subscription entity as the dispatcher would hand it over. */
export function subscriptionWith(dialect: string): WebhookSubscription {
  return Object.assign(new WebhookSubscription(), {
    id: '0190f5d2-0000-7000-8000-000000000001',
    scope: '/',
    owner: null,
    events: ['employee.*'],
    to: 'https://example.com/some/path',
    dialect,
    permission: null,
    active: true,
    statusMessage: 'Active',
    description: null,
    metadata: null,
    consecutiveFailures: 0,
    preconditionFailures: 0,
    staticKey: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });
}

/** What `@WebhookResource('name')` (the lead's entity decorator) records: written directly here. */
export function declareResource(target: ClassLike, name: string): void {
  Reflect.defineMetadata(WEBHOOK_RESOURCE_METADATA, { name }, target);
}

/** A request as the receiving server saw it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback HTTP server recording what it receives and answering 200, for checking that a dialect's
 * request goes over the wire as built.
 */
export async function startReceiver(): Promise<{ url: string; received: ReceivedRequest[]; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/some/path`,
    received,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Sends one rendered request (as the sender will) and returns the status. */
export async function send(url: string, message: RenderedMessage, tryNumber = 1): Promise<number> {
  const { method, headers } = message.requestFor(tryNumber);
  const response = await request(url, {
    method,
    headers,
    body: message.body,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  await response.body.text();
  return response.statusCode;
}
