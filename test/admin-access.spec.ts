import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhooksConfigurationError, type ResolvedWebhooksAdminPrincipal } from '../lib';
import { WebhooksAdminAccess } from '../lib/admin/admin-access.service';
import { resolvePrincipal } from '../lib/admin/admin-principal.guard';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';

describe('principal resolution', () => {
  it('normalizes ids and default scopes', () => {
    expect(resolvePrincipal({ id: 7, isAdmin: false })).toEqual({ id: '7', isAdmin: false, scope: '/' });
    expect(resolvePrincipal({ id: 'root', isAdmin: true })).toEqual({ id: 'root', isAdmin: true, scope: null });
    expect(resolvePrincipal({ id: 'root', isAdmin: true, scope: '/acme' })).toEqual({
      id: 'root',
      isAdmin: true,
      scope: '/acme',
    });
  });

  it.each<[unknown, RegExp]>([
    [{ id: '', isAdmin: false }, /"id"/],
    [{ id: 'x'.repeat(256), isAdmin: false }, /"id"/],
    [{ id: NaN, isAdmin: false }, /"id"/],
    [{ id: 'a', isAdmin: 'yes' }, /"isAdmin"/],
    [{ id: 'a', isAdmin: false, scope: 'acme' }, /"scope"/],
    ['alice', /string instead of an object/],
  ])('refuses %j as the application’s mistake', (principal, message) => {
    expect(() => resolvePrincipal(principal as never)).toThrow(WebhooksConfigurationError);
    expect(() => resolvePrincipal(principal as never)).toThrow(message);
  });
});

describeEachDatabase('WebhooksAdminAccess over the subscriptions list', (db) => {
  let app: TestApp;
  let access: WebhooksAdminAccess;
  const ids: Record<string, string> = {};
  const user = (scope = '/'): ResolvedWebhooksAdminPrincipal => ({ id: 'uma', isAdmin: false, scope });
  const admin = (scope: string | null = null): ResolvedWebhooksAdminPrincipal => ({ id: 'root', isAdmin: true, scope });

  beforeAll(async () => {
    app = await createTestApp(db.options, {}, { providers: [WebhooksAdminAccess] });
    access = app.module.get(WebhooksAdminAccess);
    // "_" is a LIKE wildcard and MySQL compares case-insensitively: look-alike scopes must not leak in.
    for (const scope of ['/', '/a_b', '/a_b/c', '/aXb/c', '/A_B', '/a_bc', '/other']) {
      ids[scope] = (
        await app.subscriptions.create({ to: 'https://x.example.com', events: 'a.b', scope, owner: 'uma' })
      ).id;
    }
    ids.foreign = (
      await app.subscriptions.create({ to: 'https://x.example.com', events: 'a.b', scope: '/a_b', owner: 'vic' })
    ).id;
  });
  afterAll(() => app?.close());

  async function visible(principal: ResolvedWebhooksAdminPrincipal, query = {}): Promise<string[]> {
    const filter = access.listFilter(principal, query);
    if (!filter) return [];
    const { items } = await app.subscriptions.list({ ...filter, limit: 500 });
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    return items.map((s) => names[s.id]).sort();
  }

  it('shows an owner its subscriptions on its scope’s branch, exactly', async () => {
    expect(await visible(user('/a_b'))).toEqual(['/', '/a_b', '/a_b/c']);
    expect(await visible(user('/a_b/c'))).toEqual(['/', '/a_b', '/a_b/c']);
    expect(await visible(user('/'))).toEqual(['/', '/A_B', '/a_b', '/a_b/c', '/a_bc', '/aXb/c', '/other'].sort());
    expect(await visible(user('/a_b'), { owner: 'vic' })).toEqual([]);
  });

  it('agrees with the single-subscription check', async () => {
    for (const scope of ['/', '/a_b', '/a_b/c', '/other']) {
      const listed = await visible(user(scope));
      for (const [name, id] of Object.entries(ids)) {
        const subscription = await app.subscriptions.get(id);
        expect(access.canSee(user(scope), subscription), `${scope} sees ${name}`).toBe(listed.includes(name));
      }
    }
  });

  it('shows a scoped administrator its scope and beneath, everyone’s', async () => {
    expect(await visible(admin('/a_b'))).toEqual(['/a_b', '/a_b/c', 'foreign']);
    expect(await visible(admin('/a_b'), { within: '/a_b/c' })).toEqual(['/a_b/c']);
    expect(await visible(admin('/a_b/c'), { within: '/a_b' })).toEqual(['/a_b/c']);
    expect(await visible(admin('/a_b'), { within: '/other' })).toEqual([]);
    expect((await visible(admin())).length).toBe(Object.keys(ids).length);
  });
});
