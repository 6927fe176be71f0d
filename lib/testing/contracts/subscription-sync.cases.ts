import assert from 'node:assert/strict';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type { StaticSyncPlan } from '../../stores/subscription-store.interface';
import {
  type ContractCase,
  racers,
  RACERS,
  subscribed,
  subscriptionFixture,
  subscriptionView,
  T0,
  warmUp,
} from './contract.fixtures';

const REMOVED = 'Removed from the static configuration.';

/** Subscription store cases: the static sync, applied whole and serialized between instances. */
export const STATIC_SYNC_CASES: ContractCase[] = [
  [
    'syncStatic gives the plan every stored static subscription and applies what it decides',
    async (harness) => {
      const store = harness.subscriptions;
      const [kept, removed, dropped, plain] = await subscribed(
        harness,
        {
          staticKey: 'k1',
          active: false,
          statusMessage: 'Too many failures.',
          consecutiveFailures: 3,
          preconditionFailures: 1,
          pausedUntil: new Date(T0 + 9_000),
        },
        { staticKey: 'k2' },
        { staticKey: 'k3', active: false, statusMessage: 'Off.' },
        {},
      );
      const added = subscriptionFixture({
        staticKey: 'k4',
        createdAt: new Date(T0 + 10),
        updatedAt: new Date(T0 + 10),
      });
      const heard: string[] = [];
      store.onChange((change) => heard.push(`${change.kind} ${change.subscription.id}`));
      const before = await store.version();
      let given: WebhookSubscription[] = [];
      const result = await store.syncStatic((stored) => {
        given = [...stored];
        const configured = Object.assign(
          new WebhookSubscription(),
          stored.find((s) => s.staticKey === 'k1'),
          {
            active: true,
            statusMessage: 'Active',
            consecutiveFailures: 0,
            preconditionFailures: 0,
            pausedUntil: null,
          },
        );
        return {
          insert: [added],
          reset: [configured],
          deactivate: [{ id: removed.id, reason: REMOVED }],
          delete: [dropped.id],
        };
      }, T0 + 10);

      assert.deepEqual(
        given.map(subscriptionView).sort((a, b) => (a.id < b.id ? -1 : 1)),
        [kept, removed, dropped].map(subscriptionView).sort((a, b) => (a.id < b.id ? -1 : 1)),
        'the plan is given every static subscription, active or not, whole',
      );
      assert.deepEqual(
        result.insert.map((s) => s.id),
        [added.id],
      );
      assert.deepEqual(result.delete, [dropped.id]);

      assert.deepEqual(subscriptionView((await store.find(added.id))!), subscriptionView(added));
      assert.deepEqual(subscriptionView((await store.find(kept.id))!), {
        ...subscriptionView(kept),
        active: true,
        statusMessage: 'Active',
        consecutiveFailures: 0,
        preconditionFailures: 0,
        pausedUntil: null,
        updatedAt: T0 + 10,
      });
      assert.deepEqual(subscriptionView((await store.find(removed.id))!), {
        ...subscriptionView(removed),
        active: false,
        statusMessage: REMOVED,
        updatedAt: T0 + 10,
      });
      assert.equal(await store.find(dropped.id), null);
      assert.deepEqual(subscriptionView((await store.find(plain.id))!), subscriptionView(plain));

      assert.deepEqual(
        heard.sort(),
        [`created ${added.id}`, `reset ${kept.id}`, `deactivated ${removed.id}`, `deleted ${dropped.id}`].sort(),
      );
      const after = await store.version();
      assert.ok(after > before, 'a sync that changes something is a registry change');
      assert.deepEqual(
        [...(await store.changesSince(before, after))!].sort(),
        [added.id, kept.id, removed.id, dropped.id].sort(),
      );
    },
  ],
  [
    'a plan that changes nothing changes nothing',
    async (harness) => {
      const store = harness.subscriptions;
      const [s] = await subscribed(harness, { staticKey: 'k1' });
      const heard: string[] = [];
      store.onChange((change) => heard.push(change.kind));
      const before = await store.version();
      const empty: StaticSyncPlan = { insert: [], reset: [], deactivate: [], delete: [] };
      assert.deepEqual(await store.syncStatic(() => empty, T0 + 1), empty);
      assert.equal(await store.version(), before);
      assert.deepEqual(heard, []);
      assert.deepEqual(subscriptionView((await store.find(s.id))!), subscriptionView(s));
    },
  ],
  [
    'racing syncs are serialized: each plan sees what the ones before stored',
    async (harness) => {
      await warmUp(harness);
      const plan = (stored: readonly WebhookSubscription[]): StaticSyncPlan => ({
        insert: stored.some((s) => s.staticKey === 'k-race') ? [] : [subscriptionFixture({ staticKey: 'k-race' })],
        reset: [],
        deactivate: [],
        delete: [],
      });
      const results = await Promise.all(racers(harness).map((stores) => stores.subscriptions.syncStatic(plan, T0)));
      const stored = (await harness.subscriptions.list({ static: true, limit: 500 })).items;
      assert.equal(
        stored.length,
        1,
        `${stored.length} subscriptions were stored by ${RACERS} racing syncs of one configuration`,
      );
      assert.equal(results.filter((result) => result.insert.length > 0).length, 1);
    },
  ],
];
