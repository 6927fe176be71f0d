import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookScope, WebhookValidationError, type WebhookSubscription } from '../lib';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';

const TARGET = 'https://example.com/some/path';

/**
 * The seed's removing_subscriptions.rst, with scopes for sites: NOAA → NWS (a department) → OUN and AMA
 * (offices). "nws.bob" is a principal of the department, "nws.oun.bob" one of the OUN office.
 */
describeEachDatabase(
  'removing subscriptions when their principal is removed (the seed removing_subscriptions.rst)',
  (db) => {
    let app: TestApp;

    beforeAll(async () => {
      app = await createTestApp(db.options, {
        delivery: { enabled: false },
        authorization: { principalRemovedEvent: ['principal.removed', 'member.left'], removedPrincipal: undefined },
      });
    });
    afterAll(() => app?.close());

    async function clear(): Promise<void> {
      for (const owner of ['nws.bob', 'nws.oun.bob', 'someone.else']) await app.subscriptions.deleteForOwner(owner);
    }
    beforeEach(clear);

    const subscribe = (scope: string, owner: string, to = TARGET) =>
      app.subscriptions.create({ to, events: 'employee.*', scope, owner });
    /** What the module's listener answered (the test app's own catch-all listener answers too). */
    const removed = async (event: string, payload: unknown) => (await app.emitter.emitAsync(event, payload)).at(-1);
    async function remaining(): Promise<string[]> {
      const { items } = await app.subscriptions.list({ limit: 500 });
      return items.map((s) => `${s.scope} ${s.owner}`).sort();
    }

    it('deletes the subscriptions of the principal in its scope and above, not elsewhere', async () => {
      const obob = await subscribe('/noaa/nws/oun', 'nws.oun.bob');
      const dbob = await subscribe('/noaa/nws', 'nws.bob', 'https://example.com/another/path');
      const other = await subscribe('/noaa/nws/oun', 'someone.else');
      // Both Bobs' subscriptions are reached from the office, as in the seed.
      const reached = await app.dispatcher.dispatch('employee.update', {}, { scope: '/noaa/nws/oun' });
      expect(reached.attempts.map((a) => a.subscriptionId).sort()).toEqual([obob.id, dbob.id, other.id].sort());

      // The office's Bob is removed: only his subscription goes, with its history.
      expect(await app.subscriptions.deleteForOwner('nws.oun.bob', { principalScope: '/noaa/nws/oun' })).toBe(1);
      expect(await app.subscriptions.find(obob.id)).toBeNull();
      expect((await app.attempts.list(obob.id)).items).toEqual([]);
      expect(await remaining()).toEqual(['/noaa/nws nws.bob', '/noaa/nws/oun someone.else']);
      expect(
        (await app.dispatcher.dispatch('employee.update', {}, { scope: '/noaa/nws/oun' })).attempts.map(
          (a) => a.subscriptionId,
        ),
      ).not.toContain(obob.id);
    });

    it('leaves a subscription below the principal scope (the seed AMA office), unless asked for that subtree', async () => {
      await subscribe('/noaa/nws', 'nws.bob');
      const ama = await subscribe('/noaa/nws/ama', 'nws.bob');
      await subscribe('/', 'nws.bob');

      expect(await app.subscriptions.deleteForOwner('nws.bob', { principalScope: '/noaa/nws' })).toBe(2);
      expect(await remaining()).toEqual(['/noaa/nws/ama nws.bob']);

      // The seed's ExhaustiveWebhookSubscriptionManagers: also the subtree.
      expect(
        await app.subscriptions.deleteForOwner('nws.bob', { principalScope: '/noaa/nws', within: '/noaa/nws' }),
      ).toBe(1);
      expect(await app.subscriptions.find(ama.id)).toBeNull();
    });

    it('also deletes those in the lineage of the ambient scope (the seed current site)', async () => {
      await subscribe('/noaa/nws/ama', 'nws.bob');
      await subscribe('/noaa/nws/oun', 'nws.bob');
      const deleted = await WebhookScope.run('/noaa/nws/ama', () =>
        app.subscriptions.deleteForOwner('nws.bob', { principalScope: '/noaa/nws' }),
      );
      expect(deleted).toBe(1);
      expect(await remaining()).toEqual(['/noaa/nws/oun nws.bob']);
    });

    it('deletes in every scope without a principal scope, and in a subtree with within only', async () => {
      await subscribe('/noaa/nws/ama', 'nws.bob');
      await subscribe('/noaa/nws/oun', 'nws.bob');
      await subscribe('/other', 'nws.bob');
      expect(await app.subscriptions.deleteForOwner('nws.bob', { within: '/noaa' })).toBe(2);
      expect(await remaining()).toEqual(['/other nws.bob']);
      expect(await app.subscriptions.deleteForOwner('nws.bob')).toBe(1);
      expect(await remaining()).toEqual([]);
    });

    it('does it on the application event named by principalRemovedEvent', async () => {
      await subscribe('/noaa/nws/oun', 'nws.oun.bob');
      await subscribe('/noaa/nws', 'nws.bob');
      await subscribe('/noaa/nws/ama', 'nws.bob');
      // emitAsync waits for the deletion and gets the count.
      expect(await removed('principal.removed', { id: 'nws.oun.bob', scope: '/noaa/nws/oun', name: 'Bob' })).toBe(1);
      expect(await remaining()).toEqual(['/noaa/nws nws.bob', '/noaa/nws/ama nws.bob']);
      // A bare id: every scope.
      expect(await removed('member.left', 'nws.bob')).toBe(2);
      expect(await remaining()).toEqual([]);
      // A payload naming no principal deletes nothing and does not throw at the emitter.
      await subscribe('/noaa', 'nws.bob');
      expect(await removed('principal.removed', { name: 'no id' })).toBe(0);
      expect(await remaining()).toEqual(['/noaa nws.bob']);
    });

    it('rejects bad arguments naming the field', async () => {
      await expect(app.subscriptions.deleteForOwner('')).rejects.toMatchObject({ field: 'owner' });
      await expect(app.subscriptions.deleteForOwner('nws.bob', { principalScope: 'noaa' })).rejects.toMatchObject({
        field: 'principalScope',
      });
      await expect(app.subscriptions.deleteForOwner('nws.bob', { within: 'x/' })).rejects.toBeInstanceOf(
        WebhookValidationError,
      );
    });
  },
);

describe('principal removal with a custom extractor', () => {
  it('reads the principal with authorization.removedPrincipal', async () => {
    const app = await createTestApp(
      { type: 'better-sqlite3', database: ':memory:' },
      {
        delivery: { enabled: false },
        authorization: {
          principalRemovedEvent: 'user.deleted',
          removedPrincipal: (event) => {
            const user = event as { userId: number; tenant: string };
            return { id: `user-${user.userId}`, scope: `/${user.tenant}` };
          },
        },
      },
    );
    try {
      const kept: WebhookSubscription = await app.subscriptions.create({
        to: TARGET,
        events: '*',
        scope: '/acme/sales',
        owner: 'user-7',
      });
      await app.subscriptions.create({ to: TARGET, events: '*', scope: '/acme', owner: 'user-7' });
      await app.subscriptions.create({ to: TARGET, events: '*', scope: '/', owner: 'user-7' });
      expect((await app.emitter.emitAsync('user.deleted', { userId: 7, tenant: 'acme' })).at(-1)).toBe(2);
      expect((await app.subscriptions.list()).items.map((s) => s.id)).toEqual([kept.id]);
    } finally {
      await app.close();
    }
  });
});
