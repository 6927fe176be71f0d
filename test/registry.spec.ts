import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../lib/stores/subscription-store.interface';
import { WebhookScope, WebhookSubscription } from '../lib';
import { SubscriptionIndex } from '../lib/match/registry/subscription.index';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';

let seq = 0;
function sub(scope: string, events: string[], active = true): WebhookSubscription {
  const id = `00000000-0000-7000-8000-${String(++seq).padStart(12, '0')}`;
  return Object.assign(new WebhookSubscription(), { id, scope, events, active, to: `https://example.com/${id}` });
}

describe('SubscriptionIndex', () => {
  it('matches exact names, noun.*, *.verb and * in the event scope lineage, nearest scope first', () => {
    const index = new SubscriptionIndex();
    const root = sub('/', ['*']);
    const acme = sub('/acme', ['contact.*']);
    const sales = sub('/acme/sales', ['contact.create', '*.create']);
    const other = sub('/other', ['contact.create']);
    const deletes = sub('/acme', ['*.delete']);
    const inactive = sub('/acme', ['contact.create'], false);
    for (const s of [root, acme, sales, other, deletes, inactive]) index.put(s);

    expect(index.match('contact.create', ['/acme/sales', '/acme', '/'])).toEqual([sales, acme, root]);
    expect(index.match('contact.delete', ['/acme/sales', '/acme', '/'])).toEqual([acme, deletes, root]);
    expect(index.match('lead.create', ['/acme/sales', '/acme', '/'])).toEqual([sales, root]);
    expect(index.match('contact.create', ['/other', '/'])).toEqual([other, root]);
    expect(index.size).toBe(5);
  });

  it('returns a subscription once even when several of its patterns match', () => {
    const index = new SubscriptionIndex();
    const a = sub('/', ['contact.create', 'contact.*', '*.create', '*']);
    const b = sub('/', ['contact.*']);
    index.put(b);
    index.put(a);
    expect(index.match('contact.create', ['/'])).toEqual([a, b].sort((x, y) => (x.id < y.id ? -1 : 1)));
  });

  it('replaces and removes, and drops inactive ones', () => {
    const index = new SubscriptionIndex();
    const a = sub('/x', ['a.b']);
    index.put(a);
    const changed = Object.assign(new WebhookSubscription(), a, { events: ['c.d'] });
    index.put(changed);
    expect(index.match('a.b', ['/x'])).toEqual([]);
    expect(index.match('c.d', ['/x'])).toEqual([changed]);
    index.put(Object.assign(new WebhookSubscription(), changed, { active: false }));
    expect(index.match('c.d', ['/x'])).toEqual([]);
    expect(index.size).toBe(0);
    index.put(changed);
    index.remove(changed.id);
    expect(index.size).toBe(0);
  });

  it('orders a scope by the most specific matching pattern, then by creation', () => {
    const index = new SubscriptionIndex();
    const all = sub('/', ['*']);
    const verb = sub('/', ['*.create']);
    const noun = sub('/', ['contact.*']);
    const exact = sub('/', ['contact.create']);
    const both = sub('/', ['*', 'contact.create']);
    for (const s of [all, verb, noun, exact, both]) index.put(s);
    expect(index.match('contact.create', ['/'])).toEqual([exact, both, noun, verb, all]);
  });

  it('remembers answers only until the next change', () => {
    const index = new SubscriptionIndex();
    const lineage = ['/x', '/'];
    const first = sub('/x', ['a.b']);
    index.put(first);
    const answer = index.match('a.b', lineage);
    expect(index.match('a.b', lineage)).toBe(answer);
    const second = sub('/', ['a.*']);
    index.put(second);
    expect(index.match('a.b', lineage)).toEqual([first, second]);
    index.remove(first.id);
    expect(index.match('a.b', lineage)).toEqual([second]);
  });

  it('keeps creation order however subscriptions arrive', () => {
    const index = new SubscriptionIndex();
    const subs = Array.from({ length: 20 }, () => sub('/', ['a.b']));
    for (const s of [...subs].reverse()) index.put(s);
    expect(index.match('a.b', ['/'])).toEqual(subs);
  });
});

describeEachDatabase('WebhookRegistry', (db) => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await createTestApp(db.options);
    b = await createTestApp(db.options);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const ids = (subs: readonly WebhookSubscription[]) => subs.map((s) => s.id);

  it('adds the ambient scope lineage to the event scope lineage, each subscription once', async () => {
    const office = await a.subscriptions.create({
      to: 'https://example.com/o',
      events: 'employee.*',
      scope: '/noaa/nws/oun',
    });
    const dept = await a.subscriptions.create({
      to: 'https://example.com/d',
      events: 'employee.*',
      scope: '/noaa/nws',
    });
    const elsewhere = await a.subscriptions.create({
      to: 'https://example.com/e',
      events: 'employee.*',
      scope: '/elsewhere',
    });

    expect(ids(await a.registry.match('employee.modify', '/noaa/nws/oun/employees'))).toEqual([office.id, dept.id]);
    expect(ids(await a.registry.match('employee.modify', '/noaa/nws'))).toEqual([dept.id]);
    // The seed's "neither the site nor the current site": nothing.
    expect(ids(await a.registry.match('employee.modify', '/'))).toEqual([]);
    // The current (ambient) site adds its lineage.
    await WebhookScope.run('/elsewhere/team', async () => {
      expect(ids(await a.registry.match('employee.modify', '/noaa/nws'))).toEqual([dept.id, elsewhere.id]);
      expect(ids(await a.registry.match('employee.modify', '/elsewhere'))).toEqual([elsewhere.id]);
    });
    await WebhookScope.run('/noaa/nws/oun', async () => {
      expect(ids(await a.registry.match('employee.modify', '/noaa/nws'))).toEqual([dept.id, office.id]);
    });
  });

  it('lets another instance see a committed change before its next match', async () => {
    const created = await a.subscriptions.create({
      to: 'https://example.com/x',
      events: 'ticket.create',
      scope: '/sync',
    });
    // b has never heard of it, but must not miss the very next event.
    expect(ids(await b.registry.match('ticket.create', '/sync'))).toEqual([created.id]);

    await a.subscriptions.update(created.id, { events: ['ticket.close'] });
    expect(ids(await b.registry.match('ticket.create', '/sync'))).toEqual([]);
    expect(ids(await b.registry.match('ticket.close', '/sync'))).toEqual([created.id]);

    await a.subscriptions.deactivate(created.id);
    expect(ids(await b.registry.match('ticket.close', '/sync'))).toEqual([]);
    await a.subscriptions.activate(created.id);
    expect(ids(await b.registry.match('ticket.close', '/sync'))).toEqual([created.id]);

    await a.subscriptions.delete(created.id);
    expect(ids(await b.registry.match('ticket.close', '/sync'))).toEqual([]);
    const store = a.module.get<WebhookSubscriptionStore>(WEBHOOK_SUBSCRIPTION_STORE);
    expect(b.registry.loadedVersion).toBe(await store.version());
  });

  it('shares one version read between concurrent matches, and still reads again after a change', async () => {
    // The TypeORM store's registry log, whose version statement is what sharing saves.
    const store = (b.module.get(WEBHOOK_SUBSCRIPTION_STORE) as unknown as { log: object }).log;
    await b.registry.match('warm.up', '/');
    // A new turn of the event loop, so that the warm-up's read is not the one shared below.
    await new Promise((resolve) => setImmediate(resolve));
    // Private: the statement itself.
    const reads = vi.spyOn(store as unknown as { queryVersion: () => Promise<number> }, 'queryVersion');
    try {
      await Promise.all(Array.from({ length: 20 }, () => b.registry.match('shared.read', '/shared')));
      // SQLite: one read for the turn; servers: the one under way plus at most one queued behind it.
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
      const created = await a.subscriptions.create({
        to: 'https://example.com/s',
        events: 'shared.read',
        scope: '/shared',
      });
      const before = reads.mock.calls.length;
      expect(ids(await b.registry.match('shared.read', '/shared'))).toEqual([created.id]);
      expect(reads.mock.calls.length).toBe(before + 1);
      await a.subscriptions.delete(created.id);
    } finally {
      reads.mockRestore();
    }
  });

  it("with a sync interval, sees other instances' changes within that bound (and its own at once)", async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const lazy = await createTestApp(db.options, { registry: { syncInterval: 5_000 }, clock });
    try {
      await lazy.registry.match('warm.up', '/');
      const created = await a.subscriptions.create({
        to: 'https://example.com/lazy',
        events: 'bound.test',
        scope: '/lazy',
      });
      now += 4_999;
      expect(ids(await lazy.registry.match('bound.test', '/lazy'))).toEqual([]);
      now += 1;
      expect(ids(await lazy.registry.match('bound.test', '/lazy'))).toEqual([created.id]);
      const own = await lazy.subscriptions.create({
        to: 'https://example.com/own',
        events: 'bound.test',
        scope: '/lazy',
      });
      expect(ids(await lazy.registry.match('bound.test', '/lazy'))).toEqual([created.id, own.id]);
    } finally {
      await lazy.close();
    }
  });

  it('reloads everything when the change log no longer reaches back far enough', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const database = await db.another();
    const writer = await createTestApp(database, { clock, registry: { changeRetention: 60_000 } });
    const reader = await createTestApp(database, { clock });
    try {
      const rebuilds = vi.spyOn(reader.module.get<WebhookSubscriptionStore>(WEBHOOK_SUBSCRIPTION_STORE), 'activePages');
      const first = await writer.subscriptions.create({ to: 'https://example.com/1', events: 'log.test' });
      now += 120_000; // past the retention: the next write prunes the log
      const second = await writer.subscriptions.create({ to: 'https://example.com/2', events: 'log.test' });
      now += 120_000;
      const third = await writer.subscriptions.create({ to: 'https://example.com/3', events: 'log.test' });
      expect(ids(await reader.registry.match('log.test', '/'))).toEqual([first.id, second.id, third.id]);
      expect(rebuilds).toHaveBeenCalledTimes(1);
      // Caught up: the next change is applied incrementally again.
      const fourth = await writer.subscriptions.create({ to: 'https://example.com/4', events: 'log.test' });
      expect(ids(await reader.registry.match('log.test', '/'))).toEqual([first.id, second.id, third.id, fourth.id]);
      expect(rebuilds).toHaveBeenCalledTimes(1);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
