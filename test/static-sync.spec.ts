import { expect, it } from 'vitest';
import { type StaticSubscriptionOptions } from '../lib';
import { REMOVED_FROM_CONFIGURATION_MESSAGE } from '../lib/core/messages/status.messages';
import { WebhookMessages } from '../lib';
import { createTestApp } from './support/app';
import { TestReceiver } from './support/receiver';
import { describeEachDatabase } from './support/databases';

const site = (to: string): StaticSubscriptionOptions => ({
  to,
  scope: '/application',
  events: 'container.modify',
  persistent: true,
});

describeEachDatabase('static persistent subscriptions (the seed static-persistent.rst)', (db) => {
  /** Boots the app with this configuration (a "restart"), returns the stored subscriptions, closes. */
  async function boot(subscriptions: StaticSubscriptionOptions[]) {
    const app = await createTestApp(db.options, { subscriptions });
    try {
      const page = await app.subscriptions.list({ scope: '/application', limit: 500 });
      return page.items.map((s) => ({ id: s.id, to: s.to, active: s.active, statusMessage: s.statusMessage }));
    } finally {
      await app.close();
    }
  }

  it('adds, leaves alone, deactivates and re-creates exactly as the seed does', async () => {
    // Adding a subscription.
    const first = await boot([site('https://example.com')]);
    expect(first).toEqual([
      { id: expect.any(String), to: 'https://example.com', active: true, statusMessage: 'Active' },
    ]);

    // Running the same configuration again changes nothing.
    expect(await boot([site('https://example.com')])).toEqual(first);

    // A second one is added; the first is untouched.
    const second = await boot([site('https://example.com'), site('https://example.com/another/path')]);
    expect(second).toHaveLength(2);
    expect(second[0]).toEqual(first[0]);
    expect(second[1]).toMatchObject({ to: 'https://example.com/another/path', active: true });

    // A new one above, the original commented out: new one created, removed one deactivated (kept).
    const third = await boot([site('https://example.com/ThisIsNew'), site('https://example.com/another/path')]);
    expect(third.map(({ to, active }) => [to, active])).toEqual([
      ['https://example.com', false],
      ['https://example.com/another/path', true],
      ['https://example.com/ThisIsNew', true],
    ]);
    expect(third[0]).toMatchObject({ id: first[0].id, statusMessage: REMOVED_FROM_CONFIGURATION_MESSAGE });

    // Uncommenting it creates a new subscription; the old one stays inactive.
    const fourth = await boot([
      site('https://example.com/ThisIsNew'),
      site('https://example.com'),
      site('https://example.com/another/path'),
    ]);
    expect(fourth.map(({ to, active }) => [to, active])).toEqual([
      ['https://example.com', false],
      ['https://example.com/another/path', true],
      ['https://example.com/ThisIsNew', true],
      ['https://example.com', true],
    ]);
    expect(fourth.slice(0, 3)).toEqual(third);

    // And once more: still nothing changes.
    expect(
      await boot([
        site('https://example.com/ThisIsNew'),
        site('https://example.com'),
        site('https://example.com/another/path'),
      ]),
    ).toEqual(fourth);
  });

  it('treats a changed field as a new subscription and the old one as removed', async () => {
    const database = await db.another();
    await (
      await createTestApp(database, {
        subscriptions: [{ ...site('https://example.com/changing'), scope: '/changing' }],
      })
    ).close();
    const app = await createTestApp(database, {
      subscriptions: [
        { ...site('https://example.com/changing'), scope: '/changing', events: ['container.modify', 'container.add'] },
      ],
    });
    try {
      const items = (await app.subscriptions.list({ scope: '/changing' })).items;
      expect(items.map((s) => [s.events, s.active])).toEqual([
        [['container.modify'], false],
        [['container.modify', 'container.add'], true],
      ]);
      // The synced subscription takes part in matching at once.
      expect((await app.registry.match('container.add', '/changing/deeper')).map((s) => s.id)).toEqual([items[1].id]);
    } finally {
      await app.close();
    }
  });

  it('leaves a subscription suspended by delivery failures suspended at the next start, beside no new one', async () => {
    const receiver = await TestReceiver.start();
    const database = await db.another();
    receiver.respond('/c', { status: 500 });
    const list = ['/a', '/b', '/c'].map((path) => ({
      ...site(receiver.url(path)),
      scope: '/suspended',
      events: 'container.modify',
    }));
    const options = {
      subscriptions: list,
      attemptLimit: 2,
      retry: { attempts: 1, throttlePause: 0 },
      targets: { allowHttp: true, allowPrivateNetworks: true },
    };
    try {
      const first = await createTestApp(database, options);
      try {
        for (let i = 0; i < 2; i++) await first.dispatcher.dispatch('container.modify', { i }, { scope: '/suspended' });
        await first.engine.whenIdle();
        const suspended = (await first.subscriptions.list({ scope: '/suspended' })).items.find((s) =>
          s.to.endsWith('/c'),
        )!;
        expect(suspended).toMatchObject({ active: false, statusMessage: WebhookMessages.deliveryFailures });
      } finally {
        await first.close();
      }
      const again = await createTestApp(database, options);
      try {
        const items = (await again.subscriptions.list({ scope: '/suspended' })).items;
        expect(items.map((s) => [new URL(s.to).pathname, s.active])).toEqual([
          ['/a', true],
          ['/b', true],
          ['/c', false],
        ]);
      } finally {
        await again.close();
      }
    } finally {
      await receiver.close();
    }
  });

  it('lets two instances booting at the same time create each subscription once', async () => {
    const database = await db.another();
    const config = [{ ...site('https://example.com/race'), scope: '/race' }];
    // The schema first, so that the two boots race on the subscriptions rather than on the migrations.
    await (await createTestApp(database)).close();
    const apps = await Promise.all([
      createTestApp(database, { subscriptions: config }),
      createTestApp(database, { subscriptions: config }),
    ]);
    try {
      const items = (await apps[0].subscriptions.list({ scope: '/race' })).items;
      expect(items).toHaveLength(1);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});

describeEachDatabase('subscriptions declared without persistent', (db) => {
  it('are stored under the same id at every start, set afresh, and deleted once they leave the list', async () => {
    const database = await db.another();
    const declared = { to: 'https://example.com/declared', scope: '/declared', events: 'container.modify' };
    const first = await createTestApp(database, { subscriptions: [declared] });
    let id: string;
    try {
      const [stored] = (await first.subscriptions.list({ static: true })).items;
      expect(stored).toMatchObject({ id: expect.stringMatching(/^static:/), active: true, to: declared.to });
      id = stored.id;
      await first.subscriptions.deactivate(id);
    } finally {
      await first.close();
    }
    const second = await createTestApp(database, { subscriptions: [declared] });
    try {
      expect(
        (await second.subscriptions.list({ static: true })).items.map((s) => [s.id, s.active, s.statusMessage]),
      ).toEqual([[id, true, WebhookMessages.active]]);
    } finally {
      await second.close();
    }
    const third = await createTestApp(database, { subscriptions: [] });
    try {
      expect((await third.subscriptions.list({ static: true })).items).toEqual([]);
      expect(await third.subscriptions.find(id)).toBeNull();
    } finally {
      await third.close();
    }
  });
});
