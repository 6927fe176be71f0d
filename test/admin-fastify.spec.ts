import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdminTestApp, type AdminTestApp } from './support/admin-app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

describeEachDatabase(
  'admin API on the Fastify adapter (smoke test)',
  (db) => {
    let t: AdminTestApp;
    let receiver: TestReceiver;

    beforeAll(async () => {
      receiver = await TestReceiver.start();
      t = await createAdminTestApp(
        db.options,
        { targets: { allowHttp: true, allowPrivateNetworks: true } },
        { adapter: 'fastify' },
      );
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    const alice = { 'x-user': 'alice' };

    it('serves the subscription routes with the same answers as on Express', async () => {
      const created = await t
        .http()
        .post('/webhooks/subscriptions')
        .set(alice)
        .send({ to: receiver.url('/fastify'), events: ['contact.create'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ owner: 'alice', events: ['contact.create'], active: true });

      const listed = await t.http().get('/webhooks/subscriptions?active=true&limit=10').set(alice);
      expect([listed.status, listed.body.items.map((s: { id: string }) => s.id)]).toEqual([200, [created.body.id]]);

      const patched = await t
        .http()
        .patch(`/webhooks/subscriptions/${created.body.id}`)
        .set(alice)
        .send({ description: 'via fastify' });
      expect([patched.status, patched.body.description]).toEqual([200, 'via fastify']);

      const off = await t.http().post(`/webhooks/subscriptions/${created.body.id}/deactivate`).set(alice);
      expect([off.status, off.body.active]).toEqual([200, false]);
      const on = await t.http().post(`/webhooks/subscriptions/${created.body.id}/activate`).set(alice);
      expect([on.status, on.body.active]).toEqual([200, true]);

      await t.dispatcher.dispatch('contact.create', { name: 'Fast' });
      await receiver.waitFor(1, '/fastify');
      await t.engine.whenIdle();
      const attempts = await t
        .http()
        .get(`/webhooks/subscriptions/${created.body.id}/attempts?status=successful`)
        .set(alice);
      expect([attempts.status, attempts.body.items.length, attempts.body.items[0]?.response?.statusCode]).toEqual([
        200, 1, 200,
      ]);

      expect((await t.http().get(`/webhooks/subscriptions/${created.body.id}`).set({ 'x-user': 'bob' })).status).toBe(
        404,
      );
      expect((await t.http().delete(`/webhooks/subscriptions/${created.body.id}`).set(alice)).status).toBe(204);
      expect(await t.subscriptions.find(created.body.id)).toBeNull();
    });

    it('serves REST Hooks and the event types', async () => {
      const hook = await t
        .http()
        .post('/webhooks/hooks')
        .set(alice)
        .send({ target_url: 'https://zap.example.com/1', event: 'contact.create' });
      expect([hook.status, Object.keys(hook.body)]).toEqual([201, ['id']]);
      expect((await t.http().delete(`/webhooks/hooks/${hook.body.id}`).set(alice)).status).toBe(204);
      const types = await t.http().get('/webhooks/event-types').set(alice);
      expect([types.status, types.body]).toEqual([200, { items: [], strict: false }]);
    });

    it('answers bad input with 400 and the field, refusals with 401/403, and stores nothing', async () => {
      const before = (await t.subscriptions.list({ limit: 500 })).items.length;
      const bad = await t
        .http()
        .post('/webhooks/subscriptions')
        .set(alice)
        .send({ to: 'nope', events: ['contact.create'] });
      expect([bad.status, bad.body.field]).toEqual([400, 'to']);
      const unknown = await t
        .http()
        .post('/webhooks/subscriptions')
        .set(alice)
        .send({ to: 'https://x.example.com', events: ['contact.create'], extra: 1 });
      expect([unknown.status, unknown.body.field]).toEqual([400, 'extra']);
      const list = await t
        .http()
        .post('/webhooks/subscriptions')
        .set(alice)
        .send([{ to: 'https://x.example.com' }]);
      expect([list.status, list.body.field]).toEqual([400, 'body']);
      const query = await t.http().get('/webhooks/subscriptions?limit=zero').set(alice);
      expect([query.status, query.body.field]).toEqual([400, 'limit']);
      const malformed = await t
        .http()
        .post('/webhooks/subscriptions')
        .set(alice)
        .set('content-type', 'application/json')
        .send('{"to":');
      expect(malformed.status).toBe(400);
      expect((await t.http().get('/webhooks/subscriptions')).status).toBe(403);
      expect((await t.http().get('/webhooks/subscriptions').set({ 'x-user': 'anonymous' })).status).toBe(401);
      expect((await t.subscriptions.list({ limit: 500 })).items.length).toBe(before);
    });
  },
  ['sqlite'],
);
