import assert from 'node:assert/strict';
import { patternsMatching } from '../../core/events/event-pattern.util';
import { WebhookSecretList } from '../../core/signing/webhook-secret.list';
import type { WebhookSubscription, WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { WebhookSubscriptionChange, WebhookSubscriptionQuery } from '../../stores/subscription-store.interface';
import {
  type ContractCase,
  idsOf,
  orderedIds,
  secretEntry,
  subscriptionFixture,
  subscriptionView,
  T0,
} from './contract.fixtures';

/** Subscriptions named for what the list cases look for; ids ascend in the order given. */
const LISTED: Record<string, Partial<WebhookSubscriptionFields>> = {
  root: { scope: '/', owner: 'alice', events: ['*'] },
  acme: { scope: '/acme', owner: 'alice', events: ['contact.create'] },
  sales: { scope: '/acme/sales', owner: 'bob', events: ['contact.*', 'deal.update'] },
  salesEu: { scope: '/acme/sales/eu', owner: 'ALICE', events: ['*.create'], active: false, statusMessage: 'Off.' },
  // Traps: a case-insensitive comparison, or LIKE with "_" as a wildcard, would also find these.
  upper: { scope: '/Acme', owner: 'Alice', events: ['invoice.paid'] },
  underscore: { scope: '/ac_e', owner: null, events: ['deal.*'] },
  other: { scope: '/other', owner: null, events: ['deal.*'], active: false, statusMessage: 'Off.' },
  static: { scope: '/', owner: null, events: ['contact.create'], staticKey: 'f'.repeat(40) },
};

async function listed(store: {
  insert(s: readonly WebhookSubscription[]): Promise<void>;
}): Promise<Record<string, WebhookSubscription>> {
  const names = Object.keys(LISTED);
  const ids = orderedIds(names.length - 1);
  // A static subscription's id may be `static:<hex>`: it sorts after every UUID.
  const byName = Object.fromEntries(
    names.map((name, i) => [
      name,
      subscriptionFixture({ ...LISTED[name], id: name === 'static' ? `static:${'0a1b2c'.repeat(4)}` : ids[i] }),
    ]),
  );
  await store.insert(Object.values(byName));
  return byName;
}

/** Subscription store cases: list filters and pages, the version and change log, active pages, announcements. */
export const SUBSCRIPTION_QUERY_CASES: ContractCase[] = [
  [
    'lists the subscriptions matching every filter, in id order',
    async ({ subscriptions: store }) => {
      const s = await listed(store);
      const names = (list: WebhookSubscription[]) =>
        list.map((item) => Object.keys(s).find((name) => s[name].id === item.id) ?? item.id);
      const expectations: Array<[Omit<WebhookSubscriptionQuery, 'limit'>, string[]]> = [
        [{}, Object.keys(LISTED)],
        [{ scope: '/acme' }, ['acme']],
        [{ within: '/acme' }, ['acme', 'sales', 'salesEu']],
        [{ within: '/' }, Object.keys(LISTED)],
        [{ within: '/ac_e' }, ['underscore']],
        [{ related: '/acme/sales' }, ['root', 'acme', 'sales', 'salesEu', 'static']],
        [{ related: '/ac_e' }, ['root', 'underscore', 'static']],
        [{ owner: 'alice' }, ['root', 'acme']],
        [{ active: false }, ['salesEu', 'other']],
        [{ active: true, within: '/acme', owner: 'bob' }, ['sales']],
        [{ patterns: patternsMatching('contact.create') }, ['root', 'acme', 'sales', 'salesEu', 'static']],
        [{ patterns: ['deal.*'] }, ['underscore', 'other']],
        [{ patterns: [] }, []],
        [{ static: true }, ['static']],
        [{ static: false, active: true }, ['root', 'acme', 'sales', 'upper', 'underscore']],
        [{ after: s.sales.id, within: '/acme' }, ['salesEu']],
      ];
      for (const [filter, expected] of expectations) {
        const page = await store.list({ ...filter, limit: 500 });
        assert.deepEqual(names(page.items), expected, `list(${JSON.stringify(filter)})`);
        assert.equal(page.last, null, `list(${JSON.stringify(filter)}) is one page`);
      }
      const [first] = (await store.list({ scope: '/acme', limit: 1 })).items;
      assert.deepEqual(subscriptionView(first), subscriptionView(s.acme), 'listed subscriptions are whole');
    },
  ],
  [
    'pages continue after the last id until a page says it is the last',
    async ({ subscriptions: store }) => {
      const all = Object.values(await listed(store)).concat(
        orderedIds(2).map((id) => subscriptionFixture({ id, scope: '/zz' })),
      );
      await store.insert(all.slice(-2));
      const expected = idsOf(all).sort();
      assert.equal(expected.length, 10);
      for (const limit of [1, 3, 5, 10, 500]) {
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 1; ; pages++) {
          const page = await store.list({ limit, after });
          seen.push(...idsOf(page.items));
          if (page.last === null) {
            assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)), `pages of ${limit}`);
            break;
          }
          assert.equal(page.items.length, limit, 'only the last page is short');
          assert.equal(page.last, page.items[page.items.length - 1].id);
          assert.ok(pages <= expected.length, 'paging ends');
          after = page.last;
        }
        assert.deepEqual(seen, expected, `every subscription once, in id order, in pages of ${limit}`);
      }
    },
  ],
  [
    'the version grows with every change, and changesSince names the ids changed',
    async ({ subscriptions: store }) => {
      const [a, b] = orderedIds(2).map((id) => subscriptionFixture({ id }));
      const versions = [await store.version()];
      const changed = async (change: () => Promise<unknown>, ids: string[]) => {
        await change();
        const version = await store.version();
        const previous = versions[versions.length - 1];
        assert.ok(version > previous, `the version grows: ${previous} → ${version}`);
        assert.deepEqual([...((await store.changesSince(previous, version)) ?? ['(null)'])].sort(), [...ids].sort());
        versions.push(version);
      };
      await changed(() => store.insert([a, b]), [a.id, b.id]);
      await changed(() => store.update(a.id, { description: 'x' }, T0 + 1), [a.id]);
      await changed(() => store.setActive(b.id, false, 'Off.', T0 + 2), [b.id]);
      await store.setActive(b.id, false, 'Off again.', T0 + 3);
      assert.equal(await store.version(), versions[versions.length - 1], 'no change, no new version');
      await changed(
        () =>
          store.rotateSecrets(
            a.id,
            () => ({ secrets: WebhookSecretList.of([secretEntry('whsec_2')]), result: 0 }),
            T0 + 4,
          ),
        [a.id],
      );
      await changed(() => store.pause(new Map([[a.id, T0 + 1_000]])), [a.id]);
      await changed(() => store.delete(b.id), [b.id]);
      const [v0, , , v3] = versions;
      const last = versions[versions.length - 1];
      assert.deepEqual([...(await store.changesSince(v0, last))!].sort(), [a.id, b.id].sort());
      assert.deepEqual([...(await store.changesSince(versions[1], v3))!].sort(), [a.id, b.id].sort());
      assert.deepEqual(await store.changesSince(last, last), []);
    },
  ],
  [
    'activePages yields every active subscription once, in id order, whole',
    async ({ subscriptions: store }) => {
      const none: WebhookSubscription[][] = [];
      for await (const page of store.activePages()) none.push(page);
      assert.deepEqual(none, [], 'no page when nothing is active');
      const subscriptions = orderedIds(10).map((id, i) =>
        subscriptionFixture(i % 3 === 1 ? { id, active: false, statusMessage: 'Off.' } : { id }),
      );
      await store.insert([...subscriptions].reverse());
      const pages: WebhookSubscription[][] = [];
      for await (const page of store.activePages()) pages.push(page);
      assert.ok(
        pages.every((page) => page.length > 0),
        'no empty page',
      );
      assert.deepEqual(pages.flat().map(subscriptionView), subscriptions.filter((s) => s.active).map(subscriptionView));
    },
  ],
  [
    'announces every change once it is made, in order, with its kind',
    async ({ subscriptions: store }) => {
      const heard: WebhookSubscriptionChange[] = [];
      const also: string[] = [];
      const stop = store.onChange((change) => heard.push(change));
      const stopToo = store.onChange((change) => also.push(change.kind));
      const [a, b] = orderedIds(2).map((id) => subscriptionFixture({ id }));
      await store.insert([a, b]);
      await store.update(a.id, { description: 'changed' }, T0 + 1);
      await store.rotateSecrets(
        a.id,
        () => ({ secrets: WebhookSecretList.of([secretEntry('whsec_2')]), result: 0 }),
        T0 + 2,
      );
      await store.setActive(b.id, false, 'Gone.', T0 + 3);
      await store.setActive(b.id, false, 'Gone again.', T0 + 4);
      await store.setActive(b.id, true, 'Active', T0 + 5);
      await store.pause(new Map([[a.id, T0 + 1_000]]));
      await store.pause(new Map([[a.id, T0 + 500]]));
      await store.delete(a.id);
      stopToo();
      await store.update(b.id, { description: 'heard by one' }, T0 + 6);
      stop();
      await store.update(b.id, { description: 'heard by none' }, T0 + 7);

      const said = heard.map((c) =>
        [
          c.kind,
          c.subscription.id,
          c.kind === 'updated' ? c.fields.join(',') : c.kind === 'deactivated' ? c.reason : '',
        ]
          .join(' ')
          .trim(),
      );
      assert.deepEqual(said, [
        `created ${a.id}`,
        `created ${b.id}`,
        `updated ${a.id} description`,
        `updated ${a.id} secrets`,
        `deactivated ${b.id} Gone.`,
        `activated ${b.id}`,
        `paused ${a.id}`,
        `deleted ${a.id}`,
        `updated ${b.id} description`,
      ]);
      assert.deepEqual(
        also,
        heard.slice(0, -1).map((c) => c.kind),
      );
      // Each carries the subscription as changed.
      assert.equal(heard[2].subscription.description, 'changed');
      assert.deepEqual(
        WebhookSecretList.entriesOf(heard[3].subscription.secrets).map((e) => e.value),
        ['whsec_2'],
      );
      assert.equal(heard[4].subscription.active, false);
      assert.equal(heard[6].subscription.pausedUntil?.getTime(), T0 + 1_000);
      assert.equal(heard[7].subscription.description, 'changed');
    },
  ],
  [
    'countStates counts the active, inactive and paused subscriptions, each in one state',
    async ({ subscriptions: store }) => {
      assert.deepEqual(await store.countStates(T0), { active: 0, inactive: 0, paused: 0 });
      const fixtures = [
        subscriptionFixture({}),
        subscriptionFixture({}),
        subscriptionFixture({ active: false, statusMessage: 'Off.' }),
        subscriptionFixture({ pausedUntil: new Date(T0 + 1_000) }),
        // Paused but inactive: inactive.
        subscriptionFixture({ active: false, statusMessage: 'Off.', pausedUntil: new Date(T0 + 1_000) }),
        // A pause that has ended: active.
        subscriptionFixture({ pausedUntil: new Date(T0 - 1) }),
      ];
      await store.insert(fixtures);
      assert.deepEqual(await store.countStates(T0), { active: 3, inactive: 2, paused: 1 });
      assert.deepEqual(await store.countStates(T0 + 1_000), { active: 4, inactive: 2, paused: 0 });
    },
  ],
];
