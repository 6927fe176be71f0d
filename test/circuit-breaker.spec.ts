import { EventEmitter2 } from '@nestjs/event-emitter';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookEvents, WebhooksConfigurationError } from '../lib';
import { resolveWebhooksOptions } from '../lib/options/webhooks-options.resolver';
import { createAdminTestApp, type AdminTestApp } from './support/admin-app';
import { describeEachDatabase } from './support/databases';
import { eventually } from './support/eventually';
import { TestReceiver } from './support/receiver';

const COOL_DOWN = 800;

describeEachDatabase(
  'circuit breaker',
  (db) => {
    let t: AdminTestApp;
    let receiver: TestReceiver;
    const events: Array<{ name: string; payload: { host: string } }> = [];

    beforeAll(async () => {
      receiver = await TestReceiver.start();
      t = await createAdminTestApp(db.options, {
        targets: { allowHttp: true, allowPrivateNetworks: true },
        retry: { attempts: 20, firstDelay: 50, factor: 1, jitter: 0, throttlePause: 0 },
        delivery: { pollInterval: 50 },
        breaker: { consecutiveFailures: 3, coolDown: COOL_DOWN },
      });
      const emitter = t.app.get(EventEmitter2);
      for (const name of [WebhookEvents.breakerOpened, WebhookEvents.breakerClosed])
        emitter.on(name, (payload: { host: string }) => events.push({ name, payload }));
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });
    const admin = { 'x-user': 'root', 'x-admin': 'true' };

    it('opens after failures, makes no try while open, probes after the cool-down, then closes', async () => {
      let down = true;
      receiver.respond('/flaky', () => ({ status: down ? 503 : 200 }));
      const s = await t.subscriptions.create({ to: receiver.url('/flaky'), events: 'order.*' });
      for (let n = 0; n < 4; n++) await t.dispatcher.dispatch('order.update', { n });
      await eventually(() => events.length > 0, 'the breaker opened', 10_000);
      expect(events[0]).toMatchObject({ name: WebhookEvents.breakerOpened });
      const host = new URL(receiver.url('/')).host;
      expect(events[0].payload.host).toBe(host);
      const seen = receiver.received('/flaky').length;
      // The first probe, after the cool-down, fails: open again. Until then no try was made (tries in flight
      // when it opened may still have landed): the probe is the only request of the open spell.
      await eventually(() => events.length >= 2, 'the probe failed and the breaker opened again', 10_000);
      expect(events[1]).toMatchObject({ name: WebhookEvents.breakerOpened });
      expect(receiver.received('/flaky').length).toBeLessThanOrEqual(seen + 2 + 1);
      const shown = await t.http().get('/webhooks/breakers').set(admin);
      expect(shown.status).toBe(200);
      expect(shown.body.items).toEqual([expect.objectContaining({ host, state: 'open' })]);
      expect((await t.http().get('/webhooks/breakers').set({ 'x-user': 'alice' })).status).toBe(403);
      // Then the receiver recovers and the next probe closes it.
      down = false;
      await eventually(() => events.length >= 3, 'the breaker closed', 10_000);
      expect(events[2]).toMatchObject({ name: WebhookEvents.breakerClosed, payload: { host } });
      await eventually(
        async () => (await t.attempts.list(s.id, { limit: 10 })).items.every((a) => a.status === 'successful'),
        'every attempt delivered',
        10_000,
      );
      const attempts = (await t.attempts.list(s.id, { limit: 10 })).items;
      expect(attempts).toHaveLength(4);
      // Waiting counted nothing against the subscription: it stays active, no failure on record.
      const after = await t.subscriptions.get(s.id);
      expect(after).toMatchObject({ active: true, consecutiveFailures: 0 });
      expect((await t.http().get('/webhooks/breakers').set(admin)).body.items).toEqual([
        expect.objectContaining({ host, state: 'closed' }),
      ]);
    });
  },
  ['sqlite', 'postgres', 'mariadb'],
);

it('breaker options are validated, naming the option', () => {
  for (const [breaker, option] of [
    [{ consecutiveFailures: 0 }, 'breaker.consecutiveFailures'],
    [{ failureRatio: 1.5 }, 'breaker.failureRatio'],
    [{ coolDown: 'soon' }, 'breaker.coolDown'],
    [{ after: 3 }, 'breaker.after'],
  ] as const) {
    expect(() => resolveWebhooksOptions({ breaker: breaker as never })).toThrow(WebhooksConfigurationError);
    try {
      resolveWebhooksOptions({ breaker: breaker as never });
    } catch (error) {
      expect((error as WebhooksConfigurationError).option, option).toBe(option);
    }
  }
});
