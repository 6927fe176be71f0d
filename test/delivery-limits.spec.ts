import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookValidationError } from '../lib';
import { createAdminTestApp, type AdminTestApp } from './support/admin-app';
import { describeEachDatabase } from './support/databases';

// Per-subscription limits through the service and the admin API. That the receiver never sees more than the
// limits, with several instances, is test/faults/delivery-limits.spec.ts.
describeEachDatabase(
  'per-subscription limits',
  (db) => {
    let t: AdminTestApp;
    beforeAll(async () => {
      t = await createAdminTestApp(db.options, { targets: { allowHttp: true, allowPrivateNetworks: true } });
    });
    afterAll(() => t?.close());
    const admin = { 'x-user': 'root', 'x-admin': 'true' };

    it('are validated field by field, with a 400 naming the field', async () => {
      const base = { to: 'http://127.0.0.1:9/x', events: ['*'] };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ rateLimit: 5 }, 'rateLimit'],
        [{ rateLimit: { perSecond: 0 } }, 'rateLimit.perSecond'],
        [{ rateLimit: { perSecond: 5, burst: 1.5 } }, 'rateLimit.burst'],
        [{ rateLimit: { perSecond: 5, every: 2 } }, 'rateLimit.every'],
        [{ maxInFlight: 0 }, 'maxInFlight'],
      ];
      for (const [input, field] of cases) {
        const error = await t.subscriptions.create({ ...base, ...input } as never).catch((e: Error) => e);
        expect(error, field).toBeInstanceOf(WebhookValidationError);
        expect(error).toMatchObject({ field });
        const res = await t
          .http()
          .post('/webhooks/subscriptions')
          .set(admin)
          .send({ ...base, ...input });
        expect(res.status, JSON.stringify(input)).toBe(400);
        expect(JSON.stringify(res.body), JSON.stringify(res.body)).toContain(field);
      }
    });

    it('are shown and changed through the admin API and the service', async () => {
      const created = await t
        .http()
        .post('/webhooks/subscriptions')
        .set(admin)
        .send({ to: 'http://127.0.0.1:9/limited', events: ['*'], rateLimit: { perSecond: 5 }, maxInFlight: 2 });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ rateLimit: { perSecond: 5 }, maxInFlight: 2 });
      const patched = await t
        .http()
        .patch(`/webhooks/subscriptions/${created.body.id}`)
        .set(admin)
        .send({ rateLimit: { perSecond: 0.5, burst: 3 }, maxInFlight: null });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ rateLimit: { perSecond: 0.5, burst: 3 }, maxInFlight: null });
      const fetched = await t.subscriptions.get(created.body.id);
      expect(fetched.toJSON()).toMatchObject({ rateLimit: { perSecond: 0.5, burst: 3 }, maxInFlight: null });
      const listed = await t.http().get('/webhooks/subscriptions').set(admin);
      expect(listed.body.items.find((s: { id: string }) => s.id === created.body.id)).toMatchObject({
        rateLimit: { perSecond: 0.5, burst: 3 },
      });
    });
  },
  ['sqlite', 'postgres'],
);
