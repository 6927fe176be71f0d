import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Body, Controller, Get, Headers, Inject, type INestApplication, Module, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WEBHOOK_MIGRATIONS,
  WebhookAttempts,
  WebhookDeliveryAttempt,
  WebhookDispatcher,
  WebhookEvents,
  WebhooksHealthIndicator,
  WebhooksModule,
  type WebhooksModuleOptions,
  WebhookSubscriptions,
} from '../lib';
import { DeliveryEngine } from '../lib/deliver/delivery.engine';
import { BacklogMonitor } from '../lib/react/backlog.monitor';
import { createTestApp } from './support/app';
import { compiledSources } from './support/compiled-sources';
import { describeEachDatabase } from './support/databases';
import { eventually } from './support/eventually';
import { TestReceiver } from './support/receiver';
import { StubResolver } from './support/stub-resolver';
import { contextFromTraceparent, installTelemetry, type TestTelemetry, total } from './support/telemetry';

// One SDK for the file, registered before any app is created (as an application registers it before Nest
// starts): spans in memory, metrics read by a test reader and by the Prometheus exporter the app serves.
let telemetry: TestTelemetry;
let prometheus: PrometheusExporter;
beforeAll(() => {
  prometheus = new PrometheusExporter({ preventServerStart: true });
  telemetry = installTelemetry([prometheus]);
});
afterAll(() => telemetry.shutdown());

const PROMETHEUS = Symbol('PROMETHEUS');

@Controller()
class OperationsController {
  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly health: HealthCheckService,
    private readonly webhooks: WebhooksHealthIndicator,
    @Inject(PROMETHEUS) private readonly exporter: PrometheusExporter,
  ) {}

  /** Raises an event in a server span continuing the caller's `traceparent`, as HTTP instrumentation would. */
  @Post('contacts')
  create(@Headers('traceparent') traceparent: string | undefined, @Body() body: { event: string }) {
    const tracer = trace.getTracer('test-http-server');
    return context.with(contextFromTraceparent(traceparent), () =>
      tracer.startActiveSpan('POST /contacts', { kind: SpanKind.SERVER }, async (span) => {
        try {
          return await this.dispatcher.dispatch(body.event, { name: 'Ada' });
        } finally {
          span.end();
        }
      }),
    );
  }

  @Get('metrics')
  metrics(@Req() request: IncomingMessage, @Res() response: ServerResponse) {
    this.exporter.getMetricsRequestHandler(request, response);
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.webhooks.isHealthy('webhooks')]);
  }
}

interface HttpApp {
  app: INestApplication;
  base: string;
  post(event: string, traceparent?: string): Promise<{ messageId: string; attempts: Array<{ id: string }> }>;
  close(): Promise<void>;
}

async function createHttpApp(
  database: DataSourceOptions,
  webhooks: WebhooksModuleOptions,
  dns = new StubResolver(),
): Promise<HttpApp> {
  @Module({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      TypeOrmModule.forRoot({
        ...database,
        autoLoadEntities: true,
        migrations: [...WEBHOOK_MIGRATIONS],
        migrationsRun: true,
        logging: false,
      } as TypeOrmModuleOptions),
      WebhooksModule.forRoot({
        ...webhooks,
        targets: { allowHttp: true, allowPrivateNetworks: true, resolver: dns.resolve },
      }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [OperationsController],
    providers: [{ provide: PROMETHEUS, useValue: prometheus }],
  })
  class OperationsAppModule {}
  const app = await NestFactory.create(OperationsAppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return {
    app,
    base,
    async post(event, traceparent) {
      const response = await fetch(`${base}/contacts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
        body: JSON.stringify({ event }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { messageId: string; attempts: Array<{ id: string }> };
    },
    close: () => app.close(),
  };
}

const random = (hexDigits: number) =>
  Array.from({ length: hexDigits }, () => Math.floor(Math.random() * 16).toString(16)).join('');

const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

describeEachDatabase('operations: metrics, traces, health', (db) => {
  // Event types of their own per database: the SDK and its counters are the file's.
  const prefix = `ops_${db.kind}`;
  let receiver: TestReceiver;
  let http: HttpApp;
  // A name that resolves to a public address when the subscription is made, to cloud metadata after.
  const dns = new StubResolver().on('metadata.example', ['93.184.215.14'], ['169.254.169.254']);

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    receiver.respond('/fail', { status: 500 });
    http = await createHttpApp(
      db.options,
      {
        delivery: { pollInterval: 20 },
        retry: { attempts: 2, schedule: [10], jitter: 0, throttlePause: 0 },
        operations: { propagateTraceContext: true, backlog: { checkInterval: 0 } },
      },
      dns,
    );
  });
  afterAll(async () => {
    await http?.close();
    await receiver?.close();
  });

  it('counts what the receiver received: successes, retries, failures, tries, dispatched events', async () => {
    const subscriptions = http.app.get(WebhookSubscriptions);
    const event = `${prefix}.counted`;
    await subscriptions.create({ to: receiver.url('/ok'), events: event });
    await subscriptions.create({ to: receiver.url('/fail'), events: event });
    const metadata = await subscriptions.create({ to: 'http://metadata.example/latest', events: event });
    for (let i = 0; i < 3; i++) await http.post(event);
    await receiver.waitFor(3, '/ok');
    await receiver.waitFor(6, '/fail');
    const engine = http.app.get(DeliveryEngine);
    await eventually(async () => {
      await engine.whenIdle();
      return (await total(telemetry.reader, 'webhooks.deliveries', { event_type: event })) === 12;
    }, 'twelve tries counted');

    const deliveries = (outcome: string) =>
      total(telemetry.reader, 'webhooks.deliveries', { event_type: event, outcome });
    expect(await deliveries('succeeded')).toBe(receiver.received('/ok').length);
    expect((await deliveries('retrying')) + (await deliveries('failed'))).toBe(receiver.received('/fail').length);
    expect(await deliveries('failed')).toBe(3);
    // Never sent: the guard refused the address, once per event (a blocked target is not tried again).
    expect(await deliveries('blocked')).toBe(3);
    const blocked = await http.app.get(WebhookAttempts).list(metadata.id);
    expect(blocked.items.map((a) => [a.status, a.attemptCount])).toEqual([
      ['failed', 1],
      ['failed', 1],
      ['failed', 1],
    ]);
    expect(await total(telemetry.reader, 'webhooks.events.dispatched', { event_type: event })).toBe(3);
    // One duration per HTTP try, one lag per first try.
    expect(await total(telemetry.reader, 'webhooks.delivery.duration', { event_type: event })).toBe(
      receiver.received().length + 3,
    );
    expect(await total(telemetry.reader, 'webhooks.delivery.lag', { event_type: event })).toBe(9);
    // The gauges, read on collection.
    expect(await total(telemetry.reader, 'webhooks.outbox.due')).toBe(0);
    expect(await total(telemetry.reader, 'webhooks.subscriptions', { state: 'active' })).toBe(3);
    expect(await total(telemetry.reader, 'webhooks.inflight')).toBe(0);
  });

  it('carries one trace from the controller request to the try, through the outbox row', async () => {
    const event = `${prefix}.traced`;
    await http.app.get(WebhookSubscriptions).create({ to: receiver.url('/traced'), events: event });
    telemetry.spans.reset();
    const traceId = random(32);
    const callerSpanId = random(16);
    const { attempts } = await http.post(event, `00-${traceId}-${callerSpanId}-01`);
    const [request] = await receiver.waitFor(1, '/traced');
    await http.app.get(DeliveryEngine).whenIdle();

    const spans = telemetry.spans.getFinishedSpans();
    const [server] = byName(spans, 'POST /contacts');
    const [producer] = byName(spans, `create ${event}`);
    const [client] = spans.filter((s) => s.attributes['webhooks.attempt.id'] === attempts[0].id);
    for (const span of [server, producer, client]) expect(span?.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(producer.attributes['messaging.destination.name']).toBe(event);
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(client.name).toBe('POST');
    expect(client.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(client.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.full': receiver.url('/traced'),
      'server.address': '127.0.0.1',
      'webhooks.try.number': 1,
    });
    // The outbox row keeps the dispatch's context; the receiver got the try's (propagateTraceContext).
    const row = await http.app.get(DataSource).getRepository(WebhookDeliveryAttempt).findOneBy({ id: attempts[0].id });
    expect(row?.traceContext).toBe(`00-${traceId}-${producer.spanContext().spanId}-01`);
    expect(request.headers.traceparent).toBe(`00-${traceId}-${client.spanContext().spanId}-01`);
  });

  it('serves the counters as Prometheus text over HTTP', async () => {
    const event = `${prefix}.counted`;
    const text = await (await fetch(`${http.base}/metrics`)).text();
    const value = (metric: string, ...labels: string[]) => {
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`${metric}{`) && labels.every((label) => l.includes(label)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const type = `event_type="${event}"`;
    expect(value('webhooks_deliveries_total', type, 'outcome="succeeded"')).toBe(3);
    expect(value('webhooks_deliveries_total', type, 'outcome="retrying"')).toBe(3);
    expect(value('webhooks_deliveries_total', type, 'outcome="failed"')).toBe(3);
    expect(value('webhooks_events_dispatched_total', type)).toBe(3);
    // OpenTelemetry JS's exporter adds `_total` to counters but no unit suffix (see docs/operations.md).
    expect(value('webhooks_deliveries_total', type, 'outcome="blocked"')).toBe(3);
    expect(value('webhooks_delivery_duration_count', type)).toBe(12);
    expect(value('webhooks_delivery_lag_count', type)).toBe(9);
    expect(text).toMatch(/^# TYPE webhooks_delivery_lag histogram$/m);
    expect(value('webhooks_outbox_due')).toBe(0);
    expect(value('webhooks_outbox_oldest_due_age')).toBe(0);
    expect(value('webhooks_subscriptions', 'state="active"')).toBeGreaterThanOrEqual(3);
  });

  it('goes down when the receiver fails and the backlog passes its threshold, and up again; operational events', async () => {
    // An instance that polls rarely: failed tries' retries become due and wait, a backlog.
    await http.close();
    let failing = true;
    receiver.respond('/flaky', () => (failing ? { status: 500 } : { status: 200 }));
    receiver.respond('/throttled', { status: 429, headers: { 'retry-after': '1' } });
    const ops = await createHttpApp(db.options, {
      delivery: { pollInterval: 3_600_000 },
      retry: { attempts: 3, schedule: [10], jitter: 0 },
      operations: { backlog: { maxDue: 2, checkInterval: 0 }, webhooks: true },
    });
    http = ops;
    const emitter = ops.app.get(EventEmitter2);
    const emitted: string[] = [];
    emitter.onAny((name) => emitted.push(String(name)));
    const subscriptions = ops.app.get(WebhookSubscriptions);
    const event = `${prefix}.flaky`;
    await subscriptions.create({ to: receiver.url('/flaky'), events: event });
    await subscriptions.create({ to: receiver.url('/ops'), events: ['webhooks.subscription.*', 'webhooks.backlog.*'] });
    const health = async () => {
      const response = await fetch(`${ops.base}/health`);
      return { status: response.status, body: (await response.json()) as any };
    };
    expect((await health()).status).toBe(200);

    for (let i = 0; i < 3; i++) await ops.post(event);
    await receiver.waitFor(3, '/flaky');
    const engine = ops.app.get(DeliveryEngine);
    await engine.whenIdle();
    // The retries are due 10 ms later, and nobody polls.
    await eventually(async () => (await health()).status === 503, 'the health check to say down');
    const down = (await health()).body;
    expect(down.status).toBe('error');
    expect(down.details.webhooks).toMatchObject({ status: 'down', engine: 'running', due: 3, maxDue: 2 });
    expect(down.details.webhooks.problems).toEqual(['due']);
    expect(down.details.webhooks.database).toBe('up');

    const monitor = ops.app.get(BacklogMonitor);
    expect((await monitor.check())?.exceeded).toEqual(['due']);
    expect(emitted.filter((name) => name === WebhookEvents.backlogExceeded)).toHaveLength(1);
    const opsBody = (n: number) => JSON.parse(receiver.received('/ops')[n].body);
    await receiver.waitFor(1, '/ops');
    expect(opsBody(0)).toMatchObject({ due: 3, maxDue: 2, exceeded: ['due'] });
    expect(receiver.received('/ops')[0].headers['webhook-id']).toBeDefined();

    failing = false;
    await engine.pollNow();
    await receiver.waitFor(6, '/flaky');
    await engine.whenIdle();
    const up = await health();
    expect(up.status).toBe(200);
    expect(up.body.info.webhooks).toMatchObject({ status: 'up', due: 0, problems: [] });
    expect((await monitor.check())?.exceeded).toEqual([]);
    expect(emitted).toContain(WebhookEvents.backlogRecovered);
    await receiver.waitFor(2, '/ops');

    // A target asking to be sent less pauses its subscription: one event, and an operational webhook.
    const throttled = await subscriptions.create({ to: receiver.url('/throttled'), events: `${prefix}.throttled` });
    await ops.post(`${prefix}.throttled`);
    await receiver.waitFor(1, '/throttled');
    await receiver.waitFor(3, '/ops');
    expect(emitted.filter((name) => name === WebhookEvents.subscriptionPaused)).toHaveLength(1);
    const paused = receiver
      .received('/ops')
      .map((r) => JSON.parse(r.body))
      .find((b) => b.subscription?.id === throttled.id);
    expect(paused?.until).toBeDefined();
    await engine.whenIdle();
  });

  it('continues the trace after a SIGKILL of the instance that raised the event, in the one that restarts', async () => {
    await http.close();
    const path = `/crash-${db.kind}`;
    receiver.respond(path, (_request, index) => (index === 0 ? { delay: 60_000 } : { status: 200 }));
    const sources = await compiledSources();
    const child = spawn(process.execPath, [join(sources, 'test/support/traced-child.js')], {
      env: {
        ...process.env,
        NODE_PATH: join(process.cwd(), 'node_modules'),
        WEBHOOKS_TRACED_CHILD: JSON.stringify({
          database: db.options,
          target: receiver.url(path),
          event: `${prefix}.crashed`,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await eventually(
        () => output.includes('\n'),
        () => `the child to raise the event: ${output}`,
        30_000,
      );
      const raised = JSON.parse(output.split('\n')[0]) as Record<string, string>;
      expect(raised.producerParentSpanId).toBe(raised.serverSpanId);
      // Its try is in flight (the receiver holds it) when the instance dies.
      await receiver.waitFor(1, path, 20_000);
      child.kill('SIGKILL');
      await exited;

      telemetry.spans.reset();
      const restarted = await createTestApp(db.options, {
        targets: { allowHttp: true, allowPrivateNetworks: true },
        delivery: { leaseDuration: 1_000, pollInterval: 50 },
      });
      try {
        await receiver.waitFor(2, path, 20_000);
        await restarted.engine.whenIdle();
        const [tried] = telemetry.spans
          .getFinishedSpans()
          .filter((s) => s.attributes['webhooks.attempt.id'] === raised.attemptId);
        expect(tried.spanContext().traceId).toBe(raised.traceId);
        expect(tried.parentSpanContext?.spanId).toBe(raised.producerSpanId);
        expect(tried.attributes).toMatchObject({ 'http.response.status_code': 200, 'webhooks.try.number': 1 });
      } finally {
        await restarted.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

describeEachDatabase(
  'operations without @opentelemetry/api',
  (db) => {
    it('delivers as usual, the API not loaded', async () => {
      const receiver = await TestReceiver.start();
      try {
        const sources = await compiledSources();
        const child = spawn(
          process.execPath,
          [
            '-r',
            join(sources, 'test/support/without-opentelemetry.js'),
            join(sources, 'test/support/untraced-child.js'),
          ],
          {
            env: {
              ...process.env,
              NODE_PATH: join(process.cwd(), 'node_modules'),
              WEBHOOKS_UNTRACED_CHILD: JSON.stringify({ database: db.options, target: receiver.url('/untraced') }),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        const code = await new Promise((resolve) => child.on('exit', resolve));
        expect(code, output).toBe(0);
        expect(JSON.parse(output.split('\n')[0])).toEqual({ api: false, status: 'successful' });
        expect(receiver.received('/untraced')).toHaveLength(1);
      } finally {
        await receiver.close();
      }
    }, 30_000);
  },
  ['sqlite'],
);

describe('operations options', () => {
  it('name the option at fault', () => {
    expect(() => WebhooksModule.forRoot({ operations: { backlog: { maxDue: -1 } } })).toThrow(
      expect.objectContaining({ name: 'WebhooksConfigurationError', option: 'operations.backlog.maxDue' }),
    );
    expect(() => WebhooksModule.forRoot({ operations: { tracing: 'yes' as never } })).toThrow(/operations\.tracing/);
    expect(() => WebhooksModule.forRoot({ operations: { metric: true } as never })).toThrow(/operations\.metric/);
  });
});
