import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher, WebhooksModule } from '../lib';
import { DeliveryEngine } from '../lib/deliver/delivery.engine';
import { CapturingLogger } from './support/capturing-logger';
import { TestClock } from './support/clock';
import { TestReceiver } from './support/receiver';

describe('what a developer sees in the log', () => {
  const clock = new TestClock();
  const logger = new CapturingLogger();
  let receiver: TestReceiver;
  let close: () => Promise<void>;
  let dispatcher: WebhookDispatcher;
  let engine: DeliveryEngine;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    receiver.respond('/failing', { status: 503 });
    const moduleRef = await Test.createTestingModule({
      imports: [
        WebhooksModule.forRoot({
          storage: 'memory',
          clock,
          targets: { allowHttp: true, allowPrivateNetworks: true },
          retry: { attempts: 2, firstDelay: 60_000, jitter: 0, throttlePause: 0 },
          subscriptions: [
            // No secret: its requests are not signed, and the start says so.
            { to: `${receiver.url('/failing')}?token=receiver-token-1234`, events: 'order.*' },
          ],
        }),
      ],
    }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    dispatcher = moduleRef.get(WebhookDispatcher);
    engine = moduleRef.get(DeliveryEngine);
    close = () => moduleRef.close();
  });
  afterAll(async () => {
    await close?.();
    await receiver?.close();
  });

  const warnings = (context: string) =>
    logger.lines.filter((line) => line.level === 'warn' && line.context === context);

  it('warns at startup of a declared subscription without a secret, naming where it goes', () => {
    const [warning] = warnings('WebhooksStaticSync');
    expect(warning.message).toContain('forRoot({ subscriptions })[0]');
    expect(warning.message).toContain(`(to ${receiver.url('/failing')}) has no secret`);
    expect(warning.message).not.toContain('receiver-token-1234');
  });

  it('logs each failed try with what follows, at most ten in ten seconds, then sums the rest up', async () => {
    for (let i = 0; i < 15; i++) await dispatcher.dispatch('order.create', { i });
    await engine.whenIdle();
    const lines = warnings('WebhookDeliveries');
    expect(lines).toHaveLength(10);
    expect(lines[0].message).toMatch(
      new RegExp(
        `^Webhook order\\.create to ${receiver.url('/failing').replace(/[./]/g, '\\$&')} failed on try 1: 503 Service Unavailable Next try at `,
      ),
    );
    expect(lines.map((line) => line.message).join('\n')).not.toContain('receiver-token-1234');

    clock.advance(60_000);
    while ((await engine.pollNow()) > 0) await engine.whenIdle();
    await engine.whenIdle();
    const after = warnings('WebhookDeliveries').slice(10);
    expect(after[0].message).toBe(
      '... and 5 more failed webhook tries in the last 10 s (at most a few are logged one by one).',
    );
    expect(after.slice(1)).toHaveLength(10);
    expect(after[1].message).toMatch(/failed on try 2: 503 Service Unavailable No try left: the attempt failed\.$/);
  });
});
