import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WebhookEvents,
  WebhookOperationNotAllowedError,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
} from '../lib';
import { ACTIVE_STATUS_MESSAGE } from '../lib/core/messages/status.messages';
import { createTestApp, type TestApp } from './support/app';
import { assertTargetUrl } from '../lib/core/security/target-url.util';
import { describeEachDatabase } from './support/databases';

function validationError(fn: () => unknown): Promise<WebhookValidationError> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        throw new Error('expected a WebhookValidationError');
      },
      (error) => {
        expect(error).toBeInstanceOf(WebhookValidationError);
        return error as WebhookValidationError;
      },
    );
}

describeEachDatabase('WebhookSubscriptions', (db) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp(db.options, {
      subscriptions: [{ to: 'https://static.example.com/hook', events: 'contact.*' }],
    });
  });
  afterAll(() => app?.close());

  it('creates an active subscription with defaults and emits "created"', async () => {
    const before = app.events.length;
    const sub = await app.subscriptions.create({ to: 'https://example.com/a', events: 'contact.create' });
    expect(sub).toMatchObject({
      scope: '/',
      owner: null,
      events: ['contact.create'],
      to: 'https://example.com/a',
      dialect: 'default',
      permission: null,
      active: true,
      statusMessage: ACTIVE_STATUS_MESSAGE,
      consecutiveFailures: 0,
    });
    expect(sub.id).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await app.subscriptions.get(sub.id);
    // The signing secret is shown by create() only.
    expect(sub.secret).toMatch(/^whsec_/);
    expect(stored).not.toHaveProperty('secret');
    expect(stored).toEqual({ ...sub, secret: undefined });
    expect(app.events.slice(before).map((e) => e.name)).toEqual([WebhookEvents.subscriptionCreated]);
  });

  it('rejects bad input naming the field, and stores nothing', async () => {
    const count = async () => (await app.subscriptions.list({ limit: 500 })).items.length;
    const before = await count();
    const cases: Array<[unknown, string]> = [
      [{ to: 'http://example.com', events: 'a.b' }, 'to'],
      [{ to: 'not a url', events: 'a.b' }, 'to'],
      [{ to: 'https://user:pw@example.com', events: 'a.b' }, 'to'],
      [{ to: `https://example.com/${'x'.repeat(2100)}`, events: 'a.b' }, 'to'],
      [{ to: 'https://example.com', events: [] }, 'events'],
      [{ to: 'https://example.com', events: ['a.b', 'nope'] }, 'events[1]'],
      [{ to: 'https://example.com', events: 'a.b', scope: 'acme' }, 'scope'],
      [{ to: 'https://example.com', events: 'a.b', owner: 42 }, 'owner'],
      [{ to: 'https://example.com', events: 'a.b', owner: '' }, 'owner'],
      [{ to: 'https://example.com', events: 'a.b', dialect: 'no spaces' }, 'dialect'],
      [{ to: 'https://example.com', events: 'a.b', description: 'x'.repeat(1025) }, 'description'],
      [{ to: 'https://example.com', events: 'a.b', metadata: [1] }, 'metadata'],
      [{ to: 'https://example.com', events: 'a.b', active: false }, 'active'],
      [{ to: 'https://example.com', events: 'a.b', colour: 'blue' }, 'colour'],
    ];
    for (const [input, field] of cases) {
      const error = await validationError(() => app.subscriptions.create(input as any));
      expect(error.field, JSON.stringify(input).slice(0, 80)).toBe(field);
    }
    expect(await count()).toBe(before);
  });

  it('lists with filters and cursor pagination in creation order', async () => {
    const owner = `owner-${db.kind}`;
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(
        await app.subscriptions.create({
          to: `https://example.com/list/${i}`,
          events: i % 2 ? ['order.*'] : ['order.create', 'order.delete'],
          scope: i < 4 ? '/acme' : '/acme/sales',
          owner,
        }),
      );
    }
    await app.subscriptions.deactivate(created[6].id);

    const all = [];
    let cursor: string | undefined;
    do {
      const page = await app.subscriptions.list({ owner, limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all.map((s) => s.id)).toEqual(created.map((s) => s.id));

    const ids = async (filter: object) =>
      (await app.subscriptions.list({ owner, ...filter })).items.map((s) => s.to.split('/').pop());
    expect(await ids({ scope: '/acme' })).toEqual(['0', '1', '2', '3']);
    expect(await ids({ within: '/acme' })).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(await ids({ within: '/acme/sales' })).toEqual(['4', '5', '6']);
    expect(await ids({ active: false })).toEqual(['6']);
    expect(await ids({ event: 'order.delete' })).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(await ids({ event: 'order.update' })).toEqual(['1', '3', '5']);
    expect(await ids({ event: 'order.create', scope: '/acme/sales' })).toEqual(['4', '5', '6']);
    expect(await ids({ event: 'order.*' })).toEqual(['1', '3', '5']);

    expect((await validationError(() => app.subscriptions.list({ cursor: 'garbage' }))).field).toBe('cursor');
    expect((await validationError(() => app.subscriptions.list({ limit: 0 }))).field).toBe('limit');
    expect((await validationError(() => app.subscriptions.list({ event: 'Bad Event' }))).field).toBe('event');
    expect((await validationError(() => app.subscriptions.list({ within: 'x' }))).field).toBe('within');
  });

  it('updates fields, refusing active, scope and unknown fields', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/u', events: 'lead.create', scope: '/u' });
    const updated = await app.subscriptions.update(sub.id, {
      to: 'https://example.com/u2',
      events: ['lead.*', '*.delete'],
      description: 'Leads',
      metadata: { zap: 1 },
    });
    expect(updated).toMatchObject({
      to: 'https://example.com/u2',
      events: ['lead.*', '*.delete'],
      description: 'Leads',
      metadata: { zap: 1 },
    });
    expect(await app.subscriptions.get(sub.id)).toMatchObject({
      to: 'https://example.com/u2',
      events: ['lead.*', '*.delete'],
    });
    expect((await app.registry.match('lead.update', '/u')).map((s) => s.id)).toContain(sub.id);
    expect((await app.registry.match('contact.delete', '/u')).map((s) => s.id)).toContain(sub.id);
    expect((await app.registry.match('lead.create', '/other')).map((s) => s.id)).not.toContain(sub.id);

    expect((await validationError(() => app.subscriptions.update(sub.id, { active: true } as any))).field).toBe(
      'active',
    );
    expect((await validationError(() => app.subscriptions.update(sub.id, { scope: '/x' } as any))).field).toBe('scope');
    expect((await validationError(() => app.subscriptions.update(sub.id, { to: 'ftp://x' }))).field).toBe('to');
    await expect(
      app.subscriptions.update('00000000-0000-0000-0000-000000000000', { description: 'x' }),
    ).rejects.toBeInstanceOf(WebhookSubscriptionNotFoundError);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({ to: 'https://example.com/u2', description: 'Leads' });
  });

  it('activates and deactivates, saying whether anything changed (as the seed manager does)', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/act', events: 'x.y' });
    const start = app.events.length;
    expect(await app.subscriptions.deactivate(sub.id)).toBe(true);
    expect(await app.subscriptions.deactivate(sub.id)).toBe(false);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({ active: false, statusMessage: 'Deactivated.' });
    expect(await app.registry.match('x.y', '/')).not.toContainEqual(expect.objectContaining({ id: sub.id }));
    expect(await app.subscriptions.activate(sub.id)).toBe(true);
    expect(await app.subscriptions.activate(sub.id)).toBe(false);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({ active: true, statusMessage: 'Active' });
    expect(app.events.slice(start).map((e) => e.name)).toEqual([
      WebhookEvents.subscriptionDeactivated,
      WebhookEvents.subscriptionActivated,
    ]);
    await expect(app.subscriptions.activate('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(
      WebhookSubscriptionNotFoundError,
    );
  });

  it('races activations so that exactly one caller sees a change', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/race', events: 'x.y' });
    const results = await Promise.all(Array.from({ length: 6 }, () => app.subscriptions.deactivate(sub.id)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('deletes (deactivating) and deletes everything of an owner', async () => {
    const sub = await app.subscriptions.create({ to: 'https://example.com/del', events: 'x.y' });
    expect(await app.subscriptions.delete(sub.id)).toBe(true);
    expect(await app.subscriptions.delete(sub.id)).toBe(false);
    expect(await app.subscriptions.find(sub.id)).toBeNull();
    const deleted = app.events.find(
      (e) => e.name === WebhookEvents.subscriptionDeleted && e.payload.subscription.id === sub.id,
    );
    expect(deleted?.payload.subscription.active).toBe(false);

    for (const scope of ['/org', '/org/a', '/other']) {
      await app.subscriptions.create({ to: 'https://example.com/own', events: 'x.y', owner: 'bob', scope });
    }
    await app.subscriptions.create({ to: 'https://example.com/own', events: 'x.y', owner: 'alice', scope: '/org' });
    expect(await app.subscriptions.deleteForOwner('bob', { within: '/org' })).toBe(2);
    expect((await app.subscriptions.list({ owner: 'bob' })).items.map((s) => s.scope)).toEqual(['/other']);
    expect(await app.subscriptions.deleteForOwner('bob')).toBe(1);
    expect((await app.subscriptions.list({ owner: 'alice' })).items).toHaveLength(1);
  });

  it('gives scope views that create and list in their scope only', async () => {
    const acme = app.subscriptions.scope('/views/acme');
    const sales = app.subscriptions.scope('/views/acme/sales');
    const a = await acme.create({ to: 'https://example.com/v', events: 'deal.*' });
    const b = await sales.create({ to: 'https://example.com/v', events: 'deal.*' });
    expect(a.scope).toBe('/views/acme');
    expect((await acme.list()).items.map((s) => s.id)).toEqual([a.id]);
    expect((await sales.list()).items.map((s) => s.id)).toEqual([b.id]);
    expect(await acme.find(b.id)).toBeNull();
    await expect(acme.get(b.id)).rejects.toBeInstanceOf(WebhookSubscriptionNotFoundError);
    await expect(acme.deactivate(b.id)).rejects.toBeInstanceOf(WebhookSubscriptionNotFoundError);
    expect(await acme.delete(b.id)).toBe(false);
    expect(
      (
        await validationError(() =>
          acme.create({ to: 'https://example.com', events: 'a.b', scope: '/elsewhere' } as any),
        )
      ).field,
    ).toBe('scope');
    expect(() => app.subscriptions.scope('bad')).toThrow(WebhookValidationError);
  });

  it('treats static in-memory subscriptions as part of the root registry', async () => {
    const [stat] = (await app.subscriptions.list({ static: true })).items;
    expect(stat).toMatchObject({
      id: expect.stringMatching(/^static:/),
      scope: '/',
      to: 'https://static.example.com/hook',
      active: true,
    });
    expect(await app.subscriptions.get(stat.id)).toEqual(stat);
    expect((await app.registry.match('contact.create', '/deep/scope')).map((s) => s.id)).toContain(stat.id);
    expect(await app.subscriptions.deactivate(stat.id)).toBe(true);
    expect((await app.registry.match('contact.create', '/')).map((s) => s.id)).not.toContain(stat.id);
    expect(await app.subscriptions.activate(stat.id)).toBe(true);
    expect((await app.registry.match('contact.create', '/')).map((s) => s.id)).toContain(stat.id);
    await expect(app.subscriptions.update(stat.id, { description: 'x' })).rejects.toBeInstanceOf(
      WebhookOperationNotAllowedError,
    );
    await expect(app.subscriptions.delete(stat.id)).rejects.toBeInstanceOf(WebhookOperationNotAllowedError);
    // Listed among the static ones only.
    expect((await app.subscriptions.list({ limit: 500, static: false })).items.map((s) => s.id)).not.toContain(stat.id);
    expect((await app.subscriptions.list({ limit: 500, static: true })).items.map((s) => s.id)).toEqual([stat.id]);
  });
});

describe('subscription targets', () => {
  const reason = (value: unknown, allowHttp: boolean) => {
    try {
      assertTargetUrl(value, { allowHttp });
      return 'accepted';
    } catch (error) {
      return (error as WebhookValidationError).message;
    }
  };

  it('say what the options allow: https only, or https and http with targets.allowHttp', () => {
    expect(reason('not a url', false)).toBe('to must be an absolute https:// URL');
    expect(reason('not a url', true)).toBe('to must be an absolute https:// or http:// URL');
    expect(reason('', true)).toBe('to must be an absolute https:// or http:// URL');
    expect(reason('http://example.com/hook', false)).toBe(
      'to must use https:// (http:// needs targets.allowHttp, for development only)',
    );
    expect(reason('http://example.com/hook', true)).toBe('accepted');
    expect(reason('ftp://example.com/hook', true)).toBe('to must use https:// or http://');
    expect(reason('https://user:pw@example.com/hook', false)).toMatch(/user name or password/);
  });
});
