import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdminTestApp, type AdminTestApp } from './support/admin-app';
import { describeEachDatabase } from './support/databases';
import { eventually } from './support/eventually';
import { TestReceiver, type ReceivedRequest } from './support/receiver';

const verify = (secret: string, request: ReceivedRequest) =>
  new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });

describe('admin API over the delivery semantics (secrets, test events, retry, replay, 410)', () => {
  describeEachDatabase(
    'admin semantics',
    (db) => {
      let t: AdminTestApp;
      let receiver: TestReceiver;

      beforeAll(async () => {
        receiver = await TestReceiver.start();
        t = await createAdminTestApp(db.options, {
          targets: { allowHttp: true, allowPrivateNetworks: true },
          delivery: { pollInterval: 50 },
        });
      });
      afterAll(async () => {
        await t?.close();
        await receiver?.close();
      });
      beforeEach(() => receiver.reset());

      const alice = { 'x-user': 'alice' };
      const admin = { 'x-user': 'root', 'x-admin': 'true' };

      async function subscribe(path: string, event = 'contact.create') {
        const res = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(alice)
          .send({ to: receiver.url(path), events: [event] });
        expect(res.status).toBe(201);
        return res.body as { id: string; secret: string };
      }

      it('shows the secret once, on create, and deliveries verify with it', async () => {
        const sub = await subscribe('/signed');
        expect(sub.secret).toMatch(/^whsec_/);
        const fetched = await t.http().get(`/webhooks/subscriptions/${sub.id}`).set(alice);
        expect(fetched.body).not.toHaveProperty('secret');
        expect(JSON.stringify((await t.http().get('/webhooks/subscriptions').set(alice)).body)).not.toContain(
          sub.secret,
        );

        await t.dispatcher.dispatch('contact.create', { name: 'Ada' });
        const [request] = await receiver.waitFor(1, '/signed');
        expect(verify(sub.secret, request)).toEqual({ name: 'Ada' });
      });

      it('rotates the secret, showing the new one once', async () => {
        const sub = await subscribe('/rotated', 'contact.update');
        const rotated = await t
          .http()
          .post(`/webhooks/subscriptions/${sub.id}/rotate-secret`)
          .set(alice)
          .send({ overlapMs: 0 });
        expect(rotated.status).toBe(200);
        expect(rotated.body.secret).toMatch(/^whsec_/);
        expect(rotated.body.secret).not.toBe(sub.secret);
        expect(JSON.stringify((await t.http().get(`/webhooks/subscriptions/${sub.id}`).set(alice)).body)).not.toContain(
          rotated.body.secret,
        );

        await t.dispatcher.dispatch('contact.update', { name: 'Bea' });
        const [request] = await receiver.waitFor(1, '/rotated');
        expect(verify(rotated.body.secret, request)).toEqual({ name: 'Bea' });
        expect(() => verify(sub.secret, request)).toThrow();

        const chosen = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
        const given = await t
          .http()
          .post(`/webhooks/subscriptions/${sub.id}/rotate-secret`)
          .set(alice)
          .send({ secret: chosen });
        expect([given.status, given.body.secret]).toEqual([200, chosen]);
        const bad = await t
          .http()
          .post(`/webhooks/subscriptions/${sub.id}/rotate-secret`)
          .set(alice)
          .send({ secret: 'not-a-secret' });
        expect([bad.status, bad.body.field]).toEqual([400, 'secret']);
      });

      it('sends a test event to one subscription', async () => {
        const sub = await subscribe('/test-event', 'contact.delete');
        const res = await t.http().post(`/webhooks/subscriptions/${sub.id}/test`).set(alice);
        expect(res.status).toBe(202);
        expect(res.body).toEqual({
          messageId: expect.any(String),
          attempts: [{ id: expect.any(String), subscriptionId: sub.id }],
        });
        const [request] = await receiver.waitFor(1, '/test-event');
        expect(request.headers['webhook-id']).toBe(res.body.messageId);
      });

      it('retries one attempt and replays by filter', async () => {
        const sub = await subscribe('/again', 'contact.merge');
        await t.dispatcher.dispatch('contact.merge', { n: 1 });
        await receiver.waitFor(1, '/again');
        await t.engine.whenIdle();
        const [attempt] = (await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts`).set(alice)).body.items;
        expect(attempt.status).toBe('successful');

        const retried = await t
          .http()
          .post(`/webhooks/subscriptions/${sub.id}/attempts/${attempt.id}/retry`)
          .set(alice);
        expect([retried.status, retried.body.id]).toEqual([202, attempt.id]);
        const [, again] = await receiver.waitFor(2, '/again');
        expect(again.headers['webhook-id']).toBe(receiver.received('/again')[0].headers['webhook-id']);
        await t.engine.whenIdle();

        const replayed = await t
          .http()
          .post('/webhooks/attempts/replay')
          .set(alice)
          .send({ subscriptionId: sub.id, status: 'successful' });
        expect([replayed.status, replayed.body.count]).toEqual([202, 1]);
        await receiver.waitFor(3, '/again');

        const all = await t
          .http()
          .post('/webhooks/attempts/replay')
          .set(admin)
          .send({ status: 'failed', since: new Date().toISOString() });
        expect([all.status, typeof all.body.count]).toEqual([202, 'number']);
      });

      it('completes the Zapier flow: subscribe → event → delivery → 410 Gone → deactivated', async () => {
        const zapier = { 'x-user': 'zapier-user' };
        receiver.respond('/zap/gone', { status: 410 });
        const hook = await t
          .http()
          .post('/webhooks/hooks')
          .set(zapier)
          .send({ target_url: receiver.url('/zap/gone'), event: 'lead.create' });
        expect(hook.status).toBe(201);

        await t.dispatcher.dispatch('lead.create', { name: 'Ada' });
        await receiver.waitFor(1, '/zap/gone');
        await eventually(
          async () => (await t.subscriptions.get(hook.body.id)).active === false,
          'the subscription to be deactivated',
        );

        const shown = await t.http().get(`/webhooks/subscriptions/${hook.body.id}`).set(zapier);
        expect(shown.body).toMatchObject({ active: false });
        const again = await t.dispatcher.dispatch('lead.create', { name: 'Bob' });
        expect(again.attempts).toEqual([]);
      });
    },
    ['sqlite', 'postgres'],
  );
});
