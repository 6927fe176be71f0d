import { Injectable } from '@nestjs/common';
import { Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookEvent, WebhookResource, type WebhooksModuleOptions } from '../lib';
import { createAdminTestApp, type AdminTestApp } from './support/admin-app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';
import { SUBSCRIPTION_KEYS } from './support/subscription-shape';

@Injectable()
class InvoiceService {
  @WebhookEvent('invoice.paid', { description: 'An invoice was paid.', schema: { type: 'object', required: ['id'] } })
  pay(id: string) {
    return { id };
  }
}

@WebhookResource('note', { description: 'A note on a contact', events: ['create', 'delete'] })
@Entity({ name: 'admin_spec_notes' })
class Note {
  @PrimaryGeneratedColumn()
  id!: number;
}

const CONTACT_SCHEMA = { type: 'object', properties: { name: { type: 'string' } } };

const options: WebhooksModuleOptions = {
  targets: { allowHttp: true, allowPrivateNetworks: true },
  delivery: { pollInterval: 50 },
  strictEventTypes: true,
  eventTypes: [
    { name: 'contact.create', description: 'A contact was created.', schema: CONTACT_SCHEMA },
    { name: 'contact.delete' },
    { name: 'lead.create', description: 'A lead came in (REST Hooks test).' },
  ],
  subscriptions: [{ to: 'https://static.example.com/hook', events: ['order.ship'], owner: 'alice' }],
};

/** The fields of a subscription in every answer: exactly these, never a secret. */

describeEachDatabase(
  'admin API (Express)',
  (db) => {
    let t: AdminTestApp;
    let receiver: TestReceiver;

    beforeAll(async () => {
      receiver = await TestReceiver.start();
      t = await createAdminTestApp(db.options, options, { providers: [InvoiceService], entities: [Note] });
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });
    beforeEach(() => receiver.reset());

    const as = (user: string, extra: Record<string, string> = {}) => ({ 'x-user': user, ...extra });
    const admin = (scope?: string) => as('root', { 'x-admin': 'true', ...(scope ? { 'x-scope': scope } : {}) });
    const count = async () => (await t.subscriptions.list({ limit: 500 })).items.length;

    async function create(headers: Record<string, string>, body: object) {
      const res = await t.http().post('/webhooks/subscriptions').set(headers).send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; [key: string]: unknown };
    }

    describe('REST Hooks (Zapier)', () => {
      it('subscribes with { target_url, event }, delivers, shows the attempts, and unsubscribes', async () => {
        const zapier = as('zapier-user');
        const first = await t
          .http()
          .post('/webhooks/hooks')
          .set(zapier)
          .send({ target_url: receiver.url('/zap/1'), event: 'lead.create' });
        expect(first.status).toBe(201);
        expect(Object.keys(first.body)).toEqual(['id']);
        // One user may hold several subscriptions to the same event.
        const second = await t
          .http()
          .post('/webhooks/hooks')
          .set(zapier)
          .send({ target_url: receiver.url('/zap/2'), event: 'lead.create' });
        expect(second.status).toBe(201);
        expect(second.body.id).not.toBe(first.body.id);

        // Legacy REST Hooks clients (Zapier) send subscription_url beside target_url: accepted and kept.
        const legacy = await t
          .http()
          .post('/webhooks/hooks')
          .set(zapier)
          .send({
            subscription_url: 'https://hooks.zapier.com/hooks/standard/1/abc/subscription',
            target_url: receiver.url('/zap/3'),
            event: 'lead.create',
          });
        expect(legacy.status, JSON.stringify(legacy.body)).toBe(201);
        expect((await t.subscriptions.get(legacy.body.id)).metadata).toEqual({
          subscription_url: 'https://hooks.zapier.com/hooks/standard/1/abc/subscription',
        });
        await t.subscriptions.delete(legacy.body.id);

        const stored = await t.subscriptions.get(first.body.id);
        expect(stored).toMatchObject({
          owner: 'zapier-user',
          events: ['lead.create'],
          to: receiver.url('/zap/1'),
          scope: '/',
          active: true,
        });

        const dispatched = await t.dispatcher.dispatch('lead.create', { name: 'Ada' });
        expect(dispatched.attempts.map((a) => a.subscriptionId).sort()).toEqual([first.body.id, second.body.id].sort());
        await receiver.waitFor(1, '/zap/1');
        await receiver.waitFor(1, '/zap/2');
        expect(JSON.parse(receiver.received('/zap/1')[0].body)).toEqual({ name: 'Ada' });
        await t.engine.whenIdle();

        const attempts = await t.http().get(`/webhooks/subscriptions/${first.body.id}/attempts`).set(zapier);
        expect(attempts.status).toBe(200);
        expect(attempts.body.nextCursor).toBeNull();
        expect(attempts.body.items).toHaveLength(1);
        const [attempt] = attempts.body.items;
        expect(attempt).toMatchObject({
          subscriptionId: first.body.id,
          messageId: dispatched.messageId,
          event: 'lead.create',
          status: 'successful',
          message: '200 OK',
          attemptCount: 1,
          nextAttemptAt: null,
          request: { url: receiver.url('/zap/1'), method: 'POST', body: '{"name":"Ada"}' },
          response: { statusCode: 200 },
        });
        expect(attempt.tries).toEqual([expect.objectContaining({ number: 1, statusCode: 200, message: '200 OK' })]);
        expect(new Date(attempt.createdAt).toISOString()).toBe(attempt.createdAt);
        expect(attempt).not.toHaveProperty('internalInfo');

        const one = await t.http().get(`/webhooks/subscriptions/${first.body.id}/attempts/${attempt.id}`).set(zapier);
        expect(one.status).toBe(200);
        expect(one.body).toEqual(attempt);

        const unsubscribed = await t.http().delete(`/webhooks/hooks/${first.body.id}`).set(zapier);
        expect(unsubscribed.status).toBe(204);
        expect(await t.subscriptions.find(first.body.id)).toBeNull();
        expect((await t.http().get(`/webhooks/subscriptions/${first.body.id}`).set(zapier)).status).toBe(404);
        expect((await t.http().delete(`/webhooks/hooks/${first.body.id}`).set(zapier)).status).toBe(404);

        receiver.reset();
        const again = await t.dispatcher.dispatch('lead.create', { name: 'Bob' });
        expect(again.attempts.map((a) => a.subscriptionId)).toEqual([second.body.id]);
        await receiver.waitFor(1, '/zap/2');
        await t.engine.whenIdle();
        expect(receiver.received('/zap/1')).toHaveLength(0);
      });

      it('answers REST Hooks mistakes with the REST Hooks field names', async () => {
        const before = await count();
        const cases: Array<[object, string]> = [
          [{ target_url: 'not a url', event: 'lead.create' }, 'target_url'],
          [{ target_url: 'https://example.com/hook', event: 'lead.nope' }, 'event'],
          [{ target_url: 'https://example.com/hook', event: 'Lead.Create' }, 'event'],
          [{ target_url: 'https://example.com/hook' }, 'event'],
          [{ event: 'lead.create' }, 'target_url'],
          [{ target_url: 'https://example.com/hook', event: 'lead.create', secret: 'x' }, 'secret'],
        ];
        for (const [body, field] of cases) {
          const res = await t.http().post('/webhooks/hooks').set(as('zapier-user')).send(body);
          expect([res.status, res.body.field], JSON.stringify(body)).toEqual([400, field]);
        }
        expect(await count()).toBe(before);
      });
    });

    describe('subscriptions', () => {
      it('creates owned by the caller, in its scope, with ISO dates and no secret in later answers', async () => {
        const created = await create(as('alice'), {
          to: 'https://alice.example.com/hooks',
          events: ['contact.create', 'contact.*'],
          description: 'CRM sync',
          metadata: { team: 'sales' },
        });
        expect(created).toMatchObject({
          owner: 'alice',
          scope: '/',
          events: ['contact.create', 'contact.*'],
          to: 'https://alice.example.com/hooks',
          dialect: 'default',
          permission: null,
          active: true,
          statusMessage: 'Active',
          description: 'CRM sync',
          metadata: { team: 'sales' },
          static: false,
        });
        // Create may add the one-time secret (and public key); nothing else.
        expect(
          Object.keys(created)
            .filter((k) => !SUBSCRIPTION_KEYS.includes(k))
            .every((k) => k === 'secret' || k === 'publicKey'),
        ).toBe(true);
        expect(new Date(created.createdAt as string).toISOString()).toBe(created.createdAt);

        const fetched = await t.http().get(`/webhooks/subscriptions/${created.id}`).set(as('alice'));
        expect(fetched.status).toBe(200);
        expect(Object.keys(fetched.body).sort()).toEqual(SUBSCRIPTION_KEYS);
        const { secret: _secret, publicKey: _publicKey, ...withoutSecrets } = created;
        expect(fetched.body).toEqual(withoutSecrets);
      });

      it('updates target, events, dialect and description, and answers the new state', async () => {
        const sub = await create(as('alice'), { to: 'https://alice.example.com/old', events: ['contact.create'] });
        const res = await t
          .http()
          .patch(`/webhooks/subscriptions/${sub.id}`)
          .set(as('alice'))
          .send({
            to: 'https://alice.example.com/new',
            events: ['contact.delete'],
            dialect: 'standard',
            description: 'moved',
          });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          id: sub.id,
          to: 'https://alice.example.com/new',
          events: ['contact.delete'],
          dialect: 'standard',
          description: 'moved',
        });
        expect(await t.subscriptions.get(sub.id)).toMatchObject({
          to: 'https://alice.example.com/new',
          events: ['contact.delete'],
          dialect: 'standard',
        });

        const cleared = await t
          .http()
          .patch(`/webhooks/subscriptions/${sub.id}`)
          .set(as('alice'))
          .send({ description: null });
        expect([cleared.status, cleared.body.description]).toEqual([200, null]);
      });

      it('deactivates (with a message) and activates, then deletes', async () => {
        const sub = await create(as('alice'), { to: 'https://alice.example.com/toggle', events: ['contact.create'] });
        const off = await t
          .http()
          .post(`/webhooks/subscriptions/${sub.id}/deactivate`)
          .set(as('alice'))
          .send({ statusMessage: 'Paused by Alice.' });
        expect([off.status, off.body.active, off.body.statusMessage]).toEqual([200, false, 'Paused by Alice.']);
        expect((await t.subscriptions.get(sub.id)).active).toBe(false);

        const on = await t.http().post(`/webhooks/subscriptions/${sub.id}/activate`).set(as('alice'));
        expect([on.status, on.body.active, on.body.statusMessage]).toEqual([200, true, 'Active']);

        const removed = await t.http().delete(`/webhooks/subscriptions/${sub.id}`).set(as('alice'));
        expect(removed.status).toBe(204);
        expect(await t.subscriptions.find(sub.id)).toBeNull();
        expect((await t.http().get(`/webhooks/subscriptions/${sub.id}`).set(as('alice'))).status).toBe(404);
      });

      it('lists with filters and cursor pagination', async () => {
        const user = as('paginator');
        const ids: string[] = [];
        for (const event of ['contact.create', 'contact.delete', 'contact.create']) {
          ids.push((await create(user, { to: `https://p.example.com/${ids.length}`, events: [event] })).id);
        }
        await t.http().post(`/webhooks/subscriptions/${ids[2]}/deactivate`).set(user).expect(200);

        const first = await t.http().get('/webhooks/subscriptions?limit=2').set(user);
        expect(first.status).toBe(200);
        expect(first.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
        expect(typeof first.body.nextCursor).toBe('string');
        const second = await t
          .http()
          .get('/webhooks/subscriptions')
          .query({ limit: 2, cursor: first.body.nextCursor })
          .set(user);
        expect(second.body.items.map((s: { id: string }) => s.id)).toEqual([ids[2]]);
        expect(second.body.nextCursor).toBeNull();

        const byEvent = await t.http().get('/webhooks/subscriptions?event=contact.create').set(user);
        expect(byEvent.body.items.map((s: { id: string }) => s.id)).toEqual([ids[0], ids[2]]);
        const inactive = await t.http().get('/webhooks/subscriptions?active=false').set(user);
        expect(inactive.body.items.map((s: { id: string }) => s.id)).toEqual([ids[2]]);
        const active = await t.http().get('/webhooks/subscriptions?active=true&event=contact.create').set(user);
        expect(active.body.items.map((s: { id: string }) => s.id)).toEqual([ids[0]]);
      });

      it('pages through attempts newest first, filtered by status and time', async () => {
        const user = as('historian');
        const sub = await create(user, { to: receiver.url('/history'), events: ['contact.delete'] });
        receiver.respond('/history', (_req, index) => ({ status: index === 1 ? 500 : 200 }));
        // Other tests' subscriptions to contact.delete may be reached too; only this one's attempts are read.
        for (let i = 0; i < 3; i++) await t.dispatcher.dispatch('contact.delete', { n: i });
        await receiver.waitFor(3, '/history');
        await t.engine.whenIdle();
        const all = (await t.attempts.list(sub.id)).items;
        expect(all).toHaveLength(3);

        const page1 = await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts?limit=2`).set(user);
        expect(page1.body.items.map((a: { id: string }) => a.id)).toEqual(all.slice(0, 2).map((a) => a.id));
        const page2 = await t
          .http()
          .get(`/webhooks/subscriptions/${sub.id}/attempts`)
          .query({ limit: 2, cursor: page1.body.nextCursor })
          .set(user);
        expect(page2.body.items.map((a: { id: string }) => a.id)).toEqual([all[2].id]);
        expect(page2.body.nextCursor).toBeNull();

        const failed = await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts?status=failed`).set(user);
        expect(failed.body.items.map((a: { id: string; status: string }) => a.status)).toEqual(
          all.filter((a) => a.status === 'failed').map(() => 'failed'),
        );
        expect(
          failed.body.items.length +
            (await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts?status=successful`).set(user)).body.items
              .length,
        ).toBe(all.filter((a) => a.status !== 'pending').length);

        const future = new Date(Date.now() + 3_600_000).toISOString();
        const none = await t
          .http()
          .get(`/webhooks/subscriptions/${sub.id}/attempts`)
          .query({ since: future })
          .set(user);
        expect([none.status, none.body.items]).toEqual([200, []]);
        const past = await t
          .http()
          .get(`/webhooks/subscriptions/${sub.id}/attempts`)
          .query({ since: '2000-01-01T00:00:00Z' })
          .set(user);
        expect(past.body.items).toHaveLength(3);
      });

      it('shows static subscriptions to their owner but refuses to change them (409)', async () => {
        const [staticSub] = (await t.subscriptions.list({ static: true })).items;
        const res = await t
          .http()
          .get(`/webhooks/subscriptions/${encodeURIComponent(staticSub.id)}`)
          .set(as('alice'));
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: staticSub.id, static: true, owner: 'alice', events: ['order.ship'] });
        expect(
          (
            await t
              .http()
              .get(`/webhooks/subscriptions/${encodeURIComponent(staticSub.id)}`)
              .set(as('bob'))
          ).status,
        ).toBe(404);
        const patched = await t
          .http()
          .patch(`/webhooks/subscriptions/${encodeURIComponent(staticSub.id)}`)
          .set(as('alice'))
          .send({ description: 'x' });
        expect(patched.status).toBe(409);
        expect(patched.body.message).toMatch(/static/);
        expect(
          (
            await t
              .http()
              .delete(`/webhooks/subscriptions/${encodeURIComponent(staticSub.id)}`)
              .set(as('alice'))
          ).status,
        ).toBe(409);
      });
    });

    describe('access (the seed subscription security)', () => {
      it('isolates owners: another owner’s subscription and attempts answer 404, and nothing changes', async () => {
        const mine = await create(as('alice'), { to: receiver.url('/alice'), events: ['contact.create'] });
        const bobs = await create(as('bob'), { to: 'https://bob.example.com/hooks', events: ['contact.create'] });
        await t.dispatcher.dispatch('contact.create', { name: 'Eve' });
        await receiver.waitFor(1, '/alice');
        await t.engine.whenIdle();
        const [aliceAttempt] = (await t.attempts.list(mine.id)).items;

        const bob = as('bob');
        const probes = [
          t.http().get(`/webhooks/subscriptions/${mine.id}`).set(bob),
          t.http().patch(`/webhooks/subscriptions/${mine.id}`).set(bob).send({ description: 'mine now' }),
          t.http().delete(`/webhooks/subscriptions/${mine.id}`).set(bob),
          t.http().delete(`/webhooks/hooks/${mine.id}`).set(bob),
          t.http().post(`/webhooks/subscriptions/${mine.id}/deactivate`).set(bob),
          t.http().post(`/webhooks/subscriptions/${mine.id}/activate`).set(bob),
          t.http().post(`/webhooks/subscriptions/${mine.id}/rotate-secret`).set(bob),
          t.http().post(`/webhooks/subscriptions/${mine.id}/test`).set(bob),
          t.http().get(`/webhooks/subscriptions/${mine.id}/attempts`).set(bob),
          t.http().get(`/webhooks/subscriptions/${mine.id}/attempts/${aliceAttempt.id}`).set(bob),
          t.http().post(`/webhooks/subscriptions/${mine.id}/attempts/${aliceAttempt.id}/retry`).set(bob),
          // An attempt of another subscription, reached through one's own.
          t.http().get(`/webhooks/subscriptions/${bobs.id}/attempts/${aliceAttempt.id}`).set(bob),
          t.http().post('/webhooks/attempts/replay').set(bob).send({ subscriptionId: mine.id }),
        ];
        const answers = await Promise.all(probes);
        answers.forEach((res, index) => {
          expect([res.status, res.body.message], `probe ${index}`).toEqual([404, expect.stringMatching(/not found/)]);
        });
        expect(await t.subscriptions.get(mine.id)).toMatchObject({ active: true, description: null, owner: 'alice' });

        const bobList = await t.http().get('/webhooks/subscriptions?limit=500').set(bob);
        const bobIds = bobList.body.items.map((s: { id: string }) => s.id);
        expect(bobIds).toContain(bobs.id);
        expect(bobList.body.items.every((s: { owner: string }) => s.owner === 'bob')).toBe(true);
        expect((await t.http().get('/webhooks/subscriptions?owner=alice').set(bob)).body).toEqual({
          items: [],
          nextCursor: null,
        });

        // Alice still sees her attempt.
        expect(
          (await t.http().get(`/webhooks/subscriptions/${mine.id}/attempts/${aliceAttempt.id}`).set(as('alice')))
            .status,
        ).toBe(200);
      });

      it('lets only administrators set the owner or the permission', async () => {
        const before = await count();
        const owner = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(as('bob'))
          .send({ to: 'https://b.example.com', events: ['contact.create'], owner: 'alice' });
        expect([owner.status, owner.body.field, owner.body.reason]).toEqual([
          400,
          'owner',
          'can only be set by an administrator',
        ]);
        const permission = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(as('bob'))
          .send({ to: 'https://b.example.com', events: ['contact.create'], permission: 'read' });
        expect([permission.status, permission.body.field]).toEqual([400, 'permission']);
        expect(await count()).toBe(before);

        const own = await create(as('bob'), {
          to: 'https://b.example.com/own',
          events: ['contact.create'],
          owner: 'bob',
        });
        expect(own.owner).toBe('bob');
        const reassign = await t
          .http()
          .patch(`/webhooks/subscriptions/${own.id}`)
          .set(as('bob'))
          .send({ owner: 'mallory' });
        expect([reassign.status, reassign.body.field]).toEqual([400, 'owner']);
        expect((await t.subscriptions.get(own.id)).owner).toBe('bob');
        const retry = await t
          .http()
          .patch(`/webhooks/subscriptions/${own.id}`)
          .set(as('bob'))
          .send({ retry: { attempts: 20 } });
        expect([retry.status, retry.body.field]).toEqual([400, 'retry']);
        expect((await t.subscriptions.get(own.id)).retry).toBeNull();
      });

      it('lets administrators give a subscription its own retry policy, checked field by field', async () => {
        const sub = await create(admin(), {
          to: 'https://r.example.com/hooks',
          events: ['contact.create'],
          retry: { attempts: 3, schedule: [1_000, 60_000] },
        });
        expect(sub.retry).toEqual({ attempts: 3, schedule: [1_000, 60_000] });
        expect(sub.pausedUntil).toBeNull();
        const bad = await t
          .http()
          .patch(`/webhooks/subscriptions/${sub.id}`)
          .set(admin())
          .send({ retry: { attempts: 0 } });
        expect([bad.status, bad.body.field]).toEqual([400, 'retry.attempts']);
        const cleared = await t.http().patch(`/webhooks/subscriptions/${sub.id}`).set(admin()).send({ retry: null });
        expect([cleared.status, cleared.body.retry]).toEqual([200, null]);
        expect((await t.subscriptions.get(sub.id)).retry).toBeNull();
      });

      it('keeps non-administrators on their scope’s branch', async () => {
        const carol = as('carol', { 'x-scope': '/acme' });
        const home = await create(carol, { to: 'https://c.example.com/home', events: ['contact.create'] });
        expect(home.scope).toBe('/acme');
        const below = await create(carol, {
          to: 'https://c.example.com/sales',
          events: ['contact.create'],
          scope: '/acme/sales',
        });
        expect(below.scope).toBe('/acme/sales');
        const outside = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(carol)
          .send({ to: 'https://c.example.com/x', events: ['contact.create'], scope: '/globex' });
        expect([outside.status, outside.body.field]).toEqual([400, 'scope']);
        expect(outside.body.reason).toMatch(/"\/acme" or a scope beneath it/);
        const above = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(carol)
          .send({ to: 'https://c.example.com/x', events: ['contact.create'], scope: '/' });
        expect([above.status, above.body.field]).toEqual([400, 'scope']);

        // An administrator places subscriptions of Carol's above her scope and in another branch.
        const root = await create(admin(), {
          to: 'https://c.example.com/root',
          events: ['contact.create'],
          owner: 'carol',
          scope: '/',
        });
        const globex = await create(admin(), {
          to: 'https://c.example.com/globex',
          events: ['contact.create'],
          owner: 'carol',
          scope: '/globex',
        });
        const acmeCousin = await create(admin(), {
          to: 'https://c.example.com/acmecorp',
          events: ['contact.create'],
          owner: 'carol',
          scope: '/acmecorp',
        });

        const listed = (await t.http().get('/webhooks/subscriptions?limit=500').set(carol)).body.items.map(
          (s: { id: string }) => s.id,
        );
        expect(listed.sort()).toEqual([home.id, below.id, root.id].sort());
        expect((await t.http().get(`/webhooks/subscriptions/${root.id}`).set(carol)).status).toBe(200);
        expect((await t.http().get(`/webhooks/subscriptions/${globex.id}`).set(carol)).status).toBe(404);
        expect((await t.http().get(`/webhooks/subscriptions/${acmeCousin.id}`).set(carol)).status).toBe(404);
        // Without a scope, Carol acts at the root: everything of hers.
        const all = (await t.http().get('/webhooks/subscriptions?limit=500').set(as('carol'))).body.items.map(
          (s: { id: string }) => s.id,
        );
        expect(all.sort()).toEqual([home.id, below.id, root.id, globex.id, acmeCousin.id].sort());
        const exact = (await t.http().get('/webhooks/subscriptions?scope=/acme/sales').set(carol)).body.items.map(
          (s: { id: string }) => s.id,
        );
        expect(exact).toEqual([below.id]);
      });

      it('lets administrators see and manage everything, or everything within their scope', async () => {
        const dave = await create(as('dave', { 'x-scope': '/initech' }), {
          to: 'https://d.example.com',
          events: ['contact.create'],
        });
        const erin = await create(as('erin'), { to: 'https://e.example.com', events: ['contact.create'] });

        const everything = (await t.http().get('/webhooks/subscriptions?limit=500').set(admin())).body.items.map(
          (s: { id: string }) => s.id,
        );
        expect(everything).toEqual(expect.arrayContaining([dave.id, erin.id]));
        expect(everything.length).toBe(await count());
        const byOwner = (await t.http().get('/webhooks/subscriptions?owner=dave').set(admin())).body.items.map(
          (s: { id: string }) => s.id,
        );
        expect(byOwner).toEqual([dave.id]);

        const scoped = admin('/initech');
        const inScope = (await t.http().get('/webhooks/subscriptions?limit=500').set(scoped)).body.items;
        expect(inScope.map((s: { id: string }) => s.id)).toEqual([dave.id]);
        expect((await t.http().get('/webhooks/subscriptions?within=/acme').set(scoped)).body.items).toEqual([]);
        expect((await t.http().get(`/webhooks/subscriptions/${erin.id}`).set(scoped)).status).toBe(404);
        expect(
          (await t.http().patch(`/webhooks/subscriptions/${dave.id}`).set(scoped).send({ description: 'checked' })).body
            .description,
        ).toBe('checked');
        const outside = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(scoped)
          .send({ to: 'https://x.example.com', events: ['contact.create'], scope: '/' });
        expect([outside.status, outside.body.field]).toEqual([400, 'scope']);

        // Administrators create for others, or for no one, and reassign.
        const forFrank = await create(admin(), {
          to: 'https://f.example.com',
          events: ['contact.create'],
          owner: 'frank',
          permission: 'contacts.read',
        });
        expect([forFrank.owner, forFrank.permission]).toEqual(['frank', 'contacts.read']);
        const ownerless = await create(admin(), {
          to: 'https://n.example.com',
          events: ['contact.create'],
          owner: null,
        });
        expect(ownerless.owner).toBeNull();
        const mine = await create(admin(), { to: 'https://r.example.com', events: ['contact.create'] });
        expect(mine.owner).toBe('root');
        const moved = await t.http().patch(`/webhooks/subscriptions/${erin.id}`).set(admin()).send({ owner: 'frank' });
        expect([moved.status, moved.body.owner]).toEqual([200, 'frank']);
        expect((await t.http().get(`/webhooks/subscriptions/${erin.id}`).set(as('erin'))).status).toBe(404);
      });

      it('shows attempts’ internal information to administrators only', async () => {
        const sub = await create(as('grace'), { to: receiver.url('/grace'), events: ['contact.delete'] });
        await t.dispatcher.dispatch('contact.delete', { id: 1 }, { note: 'DELETE /contacts/1' });
        await receiver.waitFor(1, '/grace');
        await t.engine.whenIdle();
        const [owned] = (await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts`).set(as('grace'))).body.items;
        expect(owned).not.toHaveProperty('internalInfo');
        const [seen] = (await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts`).set(admin())).body.items;
        expect(seen.internalInfo.originated).toMatchObject({ pid: process.pid, note: 'DELETE /contacts/1' });
      });

      it('refuses unauthenticated callers: the guard (403) and a missing principal (401)', async () => {
        const guarded = await t.http().get('/webhooks/subscriptions');
        expect(guarded.status).toBe(403);
        const anonymous = await t.http().get('/webhooks/subscriptions').set(as('anonymous'));
        expect([anonymous.status, anonymous.body.statusCode]).toEqual([401, 401]);
        const before = await count();
        expect(
          (await t.http().post('/webhooks/hooks').send({ target_url: 'https://x.example.com', event: 'lead.create' }))
            .status,
        ).toBe(403);
        expect(
          (
            await t
              .http()
              .post('/webhooks/hooks')
              .set(as('anonymous'))
              .send({ target_url: 'https://x.example.com', event: 'lead.create' })
          ).status,
        ).toBe(401);
        expect(await count()).toBe(before);
      });

      it('answers a malformed principal from the application as a 500 without details', async () => {
        const res = await t
          .http()
          .get('/webhooks/subscriptions')
          .set(as('alice', { 'x-scope': 'not-a-scope' }));
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
      });
    });

    describe('bad input: 400 with the field and the reason, nothing stored', () => {
      const valid = { to: 'https://valid.example.com/hook', events: ['contact.create'] };
      const createCases: Array<[string, unknown, string]> = [
        ['a malformed URL', { ...valid, to: 'not a url' }, 'to'],
        ['another scheme', { ...valid, to: 'ftp://example.com/hook' }, 'to'],
        ['credentials in the URL', { ...valid, to: 'https://user:pw@example.com/hook' }, 'to'],
        ['a blocked destination (cloud metadata)', { ...valid, to: 'http://169.254.169.254/latest/meta-data' }, 'to'],
        ['an oversized URL', { ...valid, to: `https://example.com/${'a'.repeat(2048)}` }, 'to'],
        ['a URL of the wrong type', { ...valid, to: 42 }, 'to'],
        ['a missing URL', { events: ['contact.create'] }, 'to'],
        ['an unknown event (strict catalog)', { ...valid, events: ['contact.create', 'contact.explode'] }, 'events[1]'],
        ['a pattern matching no event', { ...valid, events: ['billing.*'] }, 'events[0]'],
        ['a bad pattern', { ...valid, events: ['Contact.Create'] }, 'events[0]'],
        ['a bad wildcard', { ...valid, events: ['contact.**'] }, 'events[0]'],
        ['no events', { ...valid, events: [] }, 'events'],
        ['events as a string', { ...valid, events: 'contact.create' }, 'events'],
        ['events of the wrong type', { ...valid, events: [42] }, 'events'],
        ['too many events', { ...valid, events: Array.from({ length: 101 }, (_, i) => `contact.e${i}`) }, 'events'],
        ['an oversized event pattern', { ...valid, events: [`contact.${'x'.repeat(300)}`] }, 'events'],
        ['an oversized description', { ...valid, description: 'd'.repeat(1025) }, 'description'],
        ['a description of the wrong type', { ...valid, description: ['a'] }, 'description'],
        ['a blank description', { ...valid, description: '   ' }, 'description'],
        ['metadata that is a list', { ...valid, metadata: [1, 2] }, 'metadata'],
        ['oversized metadata', { ...valid, metadata: { blob: 'm'.repeat(17_000) } }, 'metadata'],
        ['an unknown dialect', { ...valid, dialect: 'klingon' }, 'dialect'],
        ['a bad scope', { ...valid, scope: 'acme' }, 'scope'],
        ['a scope with ..', { ...valid, scope: '/acme/..' }, 'scope'],
        ['an unknown field', { ...valid, colour: 'blue' }, 'colour'],
        ['a state field', { ...valid, active: false }, 'active'],
        ['an id', { ...valid, id: '01a22241-7d69-731a-bc87-1806522ae23a' }, 'id'],
        ['a list instead of an object', [valid], 'body'],
      ];

      it.each(createCases)('POST subscriptions: %s', async (_title, body, field) => {
        const before = await count();
        const res = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(as('alice'))
          .send(body as object);
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', field, reason: expect.any(String) });
        expect(res.body.message).toBe(`${field} ${res.body.reason}`);
        expect(res.body.reason.length).toBeGreaterThan(5);
        expect(await count()).toBe(before);
      });

      it('POST subscriptions: malformed JSON and JSON that is not an object (refused by the body parser)', async () => {
        const before = await count();
        for (const text of ['{"to": "https://x.example.com",', '"hello"', '42', 'null']) {
          const res = await t
            .http()
            .post('/webhooks/subscriptions')
            .set(as('alice'))
            .set('content-type', 'application/json')
            .send(text);
          expect([res.status, res.body.statusCode], text).toEqual([400, 400]);
        }
        expect(await count()).toBe(before);
      });

      it('PATCH: bad changes leave the subscription as it was', async () => {
        const sub = await create(as('alice'), {
          to: 'https://patch.example.com',
          events: ['contact.create'],
          description: 'kept',
        });
        const cases: Array<[object, string]> = [
          [{ to: 'nope' }, 'to'],
          [{ to: null }, 'to'],
          [{ events: ['*.Nope'] }, 'events[0]'],
          [{ events: ['contact.unknown'] }, 'events[0]'],
          [{ events: [] }, 'events'],
          [{ dialect: 'klingon' }, 'dialect'],
          [{ description: 'd'.repeat(1025) }, 'description'],
          [{ scope: '/elsewhere' }, 'scope'],
          [{ active: false }, 'active'],
          [{ statusMessage: 'x' }, 'statusMessage'],
        ];
        for (const [body, field] of cases) {
          const res = await t.http().patch(`/webhooks/subscriptions/${sub.id}`).set(as('alice')).send(body);
          expect([res.status, res.body.field], JSON.stringify(body)).toEqual([400, field]);
        }
        const stored = await t.subscriptions.get(sub.id);
        expect(stored).toMatchObject({
          to: 'https://patch.example.com',
          events: ['contact.create'],
          description: 'kept',
          dialect: 'default',
          active: true,
        });
      });

      it.each<[string, string]>([
        ['cursor=not-a-cursor', 'cursor'],
        [`cursor=${'c'.repeat(300)}`, 'cursor'],
        ['active=yes', 'active'],
        ['active=true&active=false', 'active'],
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=ten', 'limit'],
        ['limit=1.5', 'limit'],
        ['event=Contact.Create', 'event'],
        ['scope=acme', 'scope'],
        ['within=/a/../b', 'within'],
        ['colour=blue', 'colour'],
      ])('GET subscriptions?%s', async (query, field) => {
        const res = await t.http().get(`/webhooks/subscriptions?${query}`).set(as('alice'));
        expect([res.status, res.body.field], JSON.stringify(res.body)).toEqual([400, field]);
      });

      it.each<[string, string]>([
        ['status=lost', 'status'],
        ['since=yesterday', 'since'],
        ['since=2025-13-45T00:00:00Z', 'since'],
        ['cursor=abc', 'cursor'],
        ['limit=-1', 'limit'],
        ['order=asc', 'order'],
      ])('GET attempts?%s', async (query, field) => {
        const sub = await create(as('alice'), { to: 'https://attempts.example.com', events: ['contact.create'] });
        const res = await t.http().get(`/webhooks/subscriptions/${sub.id}/attempts?${query}`).set(as('alice'));
        expect([res.status, res.body.field], JSON.stringify(res.body)).toEqual([400, field]);
      });

      it('validates the bodies of deactivate, rotate-secret and replay before anything runs', async () => {
        const sub = await create(as('alice'), { to: 'https://ops.example.com', events: ['contact.create'] });
        const cases: Array<[string, object, string]> = [
          [`/webhooks/subscriptions/${sub.id}/deactivate`, { statusMessage: 's'.repeat(513) }, 'statusMessage'],
          [`/webhooks/subscriptions/${sub.id}/deactivate`, { reason: 'x' }, 'reason'],
          [`/webhooks/subscriptions/${sub.id}/rotate-secret`, { overlapMs: -1 }, 'overlapMs'],
          [`/webhooks/subscriptions/${sub.id}/rotate-secret`, { overlapMs: 8 * 86_400_000 }, 'overlapMs'],
          [`/webhooks/subscriptions/${sub.id}/rotate-secret`, { secret: 12 }, 'secret'],
          ['/webhooks/attempts/replay', { subscriptionId: sub.id, status: 'lost' }, 'status'],
          ['/webhooks/attempts/replay', { subscriptionId: sub.id, since: 'last week' }, 'since'],
          // Only an administrator of every scope may replay across subscriptions.
          ['/webhooks/attempts/replay', {}, 'subscriptionId'],
        ];
        for (const [path, body, field] of cases) {
          const res = await t.http().post(path).set(as('alice')).send(body);
          expect([res.status, res.body.field], `${path} ${JSON.stringify(body)}`).toEqual([400, field]);
        }
        const scopedAdmin = await t.http().post('/webhooks/attempts/replay').set(admin('/acme')).send({});
        expect([scopedAdmin.status, scopedAdmin.body.field]).toEqual([400, 'subscriptionId']);
        expect((await t.subscriptions.get(sub.id)).active).toBe(true);
      });

      it('answers unknown ids with 404, whatever their form', async () => {
        for (const id of ['01a22241-7d69-731a-bc87-1806522ae23a', 'x'.repeat(300), 'static:unknown', '%E2%9C%93']) {
          const res = await t.http().get(`/webhooks/subscriptions/${id}`).set(admin());
          expect(res.status, id).toBe(404);
        }
      });
    });

    describe('event types', () => {
      it('lists every event the application can raise, with descriptions and schemas', async () => {
        const res = await t.http().get('/webhooks/event-types').set(as('alice'));
        expect(res.status).toBe(200);
        expect(res.body.strict).toBe(true);
        const byName = Object.fromEntries(res.body.items.map((e: { name: string }) => [e.name, e]));
        expect(res.body.items.map((e: { name: string }) => e.name)).toEqual([
          'contact.create',
          'contact.delete',
          'invoice.paid',
          'lead.create',
          'note.create',
          'note.delete',
          'order.ship',
        ]);
        expect(byName['contact.create']).toEqual({
          name: 'contact.create',
          description: 'A contact was created.',
          schema: CONTACT_SCHEMA,
          example: { name: 'string' },
          validated: false,
          sources: ['option'],
        });
        expect(byName['invoice.paid']).toEqual({
          name: 'invoice.paid',
          description: 'An invoice was paid.',
          schema: { type: 'object', required: ['id'] },
          example: { id: null },
          validated: false,
          sources: ['event:InvoiceService.pay'],
        });
        expect(byName['note.create']).toEqual({
          name: 'note.create',
          description: 'A note on a contact (created)',
          schema: null,
          example: null,
          validated: false,
          sources: ['resource:note'],
        });
        expect(byName['order.ship']).toEqual({
          name: 'order.ship',
          description: null,
          schema: null,
          example: null,
          validated: false,
          sources: ['subscription'],
        });
      });

      it('accepts subscriptions to cataloged events and patterns that match one', async () => {
        const sub = await create(as('alice'), {
          to: 'https://catalog.example.com',
          events: ['invoice.paid', 'note.*', '*.ship'],
        });
        expect(sub.events).toEqual(['invoice.paid', 'note.*', '*.ship']);
      });
    });
  },
  ['sqlite', 'postgres'],
);
