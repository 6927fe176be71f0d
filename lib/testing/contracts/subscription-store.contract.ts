import assert from 'node:assert/strict';
import { WebhookSubscriptionNotFoundError } from '../../core/errors/webhooks.errors';
import { WebhookSecretList } from '../../core/signing/webhook-secret.list';
import { newId } from '../../core/util/ids.util';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import {
  type ContractCase,
  racers,
  RACERS,
  secretEntry,
  secretValues,
  sortedIdsOf,
  subscribed,
  subscriptionFixture,
  subscriptionView,
  T0,
  toCases,
  warmUp,
} from './contract.fixtures';
import type { WebhookStoreContractCase, WebhookStoreHarness } from './store-contract.interface';
import { SUBSCRIPTION_QUERY_CASES } from './subscription-queries.cases';
import { STATIC_SYNC_CASES } from './subscription-sync.cases';

const notFound = (id: string) => (error: unknown) =>
  error instanceof WebhookSubscriptionNotFoundError && error.id === id;

const WRITE_CASES: ContractCase[] = [
  [
    'stores subscriptions whole and reads them back unchanged',
    async ({ subscriptions: store }) => {
      const full = subscriptionFixture({
        retry: { attempts: 5, schedule: [1_000, 60_000], jitter: 0 },
        pausedUntil: new Date(T0 + 5_000),
        consecutiveFailures: 2,
        preconditionFailures: 1,
        secrets: WebhookSecretList.of([
          secretEntry('whsec_new', T0 + 1),
          secretEntry('whsec_old', T0, T0 + 86_400_000),
        ]),
        staticKey: 'a'.repeat(40),
      });
      const bare = subscriptionFixture({
        scope: '/',
        owner: null,
        permission: null,
        description: null,
        metadata: null,
        secrets: null,
        active: false,
        statusMessage: 'Deactivated.',
        createdAt: new Date(T0 + 7),
        updatedAt: new Date(T0 + 9),
      });
      const expected = [full, bare].map(subscriptionView);
      await store.insert([full, bare]);
      // The store keeps what was given: the caller may go on changing its object.
      full.description = 'changed by its maker afterwards';

      for (const [i, id] of [full.id, bare.id].entries()) {
        const found = await store.find(id);
        assert.ok(found instanceof WebhookSubscription, 'a subscription is a WebhookSubscription');
        assert.deepEqual(subscriptionView(found), expected[i]);
      }
      assert.equal(await store.find(newId()), null);
      const many = await store.findMany([bare.id, newId(), full.id, bare.id]);
      assert.deepEqual(
        many.map(subscriptionView).sort((a, b) => (a.id < b.id ? -1 : 1)),
        [...expected].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      assert.deepEqual(await store.findMany([]), []);
    },
  ],
  [
    'refuses to insert an id stored already, keeping the stored one',
    async (harness) => {
      const store = harness.subscriptions;
      const [stored] = await subscribed(harness, {});
      await assert.rejects(store.insert([subscriptionFixture({ id: stored.id, description: 'impostor' })]));
      assert.deepEqual(subscriptionView((await store.find(stored.id))!), subscriptionView(stored));
    },
  ],
  [
    'update changes the given fields only and dates the change',
    async (harness) => {
      const store = harness.subscriptions;
      const [s] = await subscribed(harness, { consecutiveFailures: 1 });
      const changes = {
        to: 'https://new.example.com/h',
        events: ['invoice.*'],
        description: null,
        metadata: { v: [1, 2] },
        retry: { attempts: 2 },
      };
      const updated = await store.update(s.id, changes, T0 + 1_000);
      const expected = { ...subscriptionView(s), ...changes, updatedAt: T0 + 1_000 };
      assert.deepEqual(subscriptionView(updated), expected);
      assert.deepEqual(subscriptionView((await store.find(s.id))!), expected);
      // The stored patterns follow: lists by pattern see the new ones only.
      assert.deepEqual(sortedIdsOf((await store.list({ patterns: ['invoice.*'], limit: 10 })).items), [s.id]);
      assert.deepEqual((await store.list({ patterns: ['deal.*'], limit: 10 })).items, []);
      const missing = newId();
      await assert.rejects(store.update(missing, { description: 'x' }, T0), notFound(missing));
    },
  ],
  [
    'setActive changes active once, and activation resets the failure counts',
    async (harness) => {
      const store = harness.subscriptions;
      const [on, off] = await subscribed(
        harness,
        { consecutiveFailures: 3, preconditionFailures: 2 },
        { active: false, statusMessage: 'Too many failures.', consecutiveFailures: 4, preconditionFailures: 5 },
      );
      const deactivated = await store.setActive(on.id, false, 'Gone.', T0 + 1);
      assert.deepEqual(subscriptionView(deactivated!), {
        ...subscriptionView(on),
        active: false,
        statusMessage: 'Gone.',
        updatedAt: T0 + 1,
      });
      assert.equal(await store.setActive(on.id, false, 'Gone again.', T0 + 2), null);
      assert.equal((await store.find(on.id))!.statusMessage, 'Gone.');

      const activated = await store.setActive(off.id, true, 'Active', T0 + 3);
      const expected = {
        ...subscriptionView(off),
        active: true,
        statusMessage: 'Active',
        consecutiveFailures: 0,
        preconditionFailures: 0,
        updatedAt: T0 + 3,
      };
      assert.deepEqual(subscriptionView(activated!), expected);
      assert.deepEqual(subscriptionView((await store.find(off.id))!), expected);
      assert.equal(await store.setActive(off.id, true, 'Active', T0 + 4), null);

      const missing = newId();
      await assert.rejects(store.setActive(missing, false, 'Gone.', T0), notFound(missing));
    },
  ],
  [
    'of racing deactivations, and then activations, exactly one changes the subscription',
    async (harness) => {
      const [s] = await subscribed(harness, {});
      await warmUp(harness);
      for (const active of [false, true, false]) {
        const changed = await Promise.all(
          racers(harness).map((stores, i) => stores.subscriptions.setActive(s.id, active, `racer ${i}`, T0 + 1)),
        );
        const winners = changed.filter((result) => result !== null);
        assert.equal(
          winners.length,
          1,
          `${winners.length} of ${RACERS} racing calls setting active to ${active} saw the change`,
        );
        const stored = (await harness.subscriptions.find(s.id))!;
        assert.equal(stored.active, active);
        assert.equal(stored.statusMessage, winners[0].statusMessage);
      }
    },
  ],
  [
    'racing rotations all land: each computes from the one before',
    async (harness) => {
      const [s] = await subscribed(harness, { secrets: WebhookSecretList.of([secretEntry('whsec_0')]) });
      await warmUp(harness);
      const expected = ['whsec_0'];
      for (let round = 1; round <= 3; round++) {
        const added = racers(harness).map((_, i) => `whsec_${round}_${i}`);
        const results = await Promise.all(
          racers(harness).map((stores, i) =>
            stores.subscriptions.rotateSecrets(
              s.id,
              (current) => ({
                secrets: WebhookSecretList.of([
                  secretEntry(added[i], T0 + round),
                  ...WebhookSecretList.entriesOf(current.secrets),
                ]),
                result: added[i],
              }),
              T0 + round,
            ),
          ),
        );
        assert.deepEqual(results, added, 'each rotation returns what its function returned');
        expected.push(...added);
        const kept = secretValues(await harness.subscriptions.find(s.id));
        const lost = expected.filter((value) => !kept.includes(value));
        assert.deepEqual(lost, [], `rotations were lost in round ${round}`);
        assert.equal(kept.length, expected.length, `secrets were kept twice in round ${round}`);
      }
      const missing = newId();
      let called = false;
      await assert.rejects(
        harness.subscriptions.rotateSecrets(
          missing,
          () => ((called = true), { secrets: WebhookSecretList.of([]), result: 0 }),
          T0,
        ),
        notFound(missing),
      );
      assert.equal(called, false, 'no rotation is computed for a missing subscription');
    },
  ],
  [
    'delete removes the subscription once and returns it as it was last, inactive',
    async (harness) => {
      const store = harness.subscriptions;
      const [s, other] = await subscribed(harness, { consecutiveFailures: 2 }, {});
      const deleted = await store.delete(s.id);
      assert.deepEqual(subscriptionView(deleted!), { ...subscriptionView(s), active: false });
      assert.equal(await store.find(s.id), null);
      assert.deepEqual(await store.findMany([s.id]), []);
      assert.deepEqual(sortedIdsOf((await store.list({ limit: 10 })).items), [other.id]);
      assert.equal(await store.delete(s.id), null);
      assert.equal(await store.delete(newId()), null);
      assert.notEqual(await store.find(other.id), null);
    },
  ],
  [
    'pauses are set until the given times and never shortened',
    async (harness) => {
      const store = harness.subscriptions;
      const [a, b, c] = await subscribed(harness, {}, {}, { pausedUntil: new Date(T0 + 100) });
      const missing = newId();
      const first = await store.pause(
        new Map([
          [a.id, T0 + 100],
          [b.id, T0 + 50],
          [c.id, T0 + 100],
          [missing, T0 + 10],
        ]),
      );
      assert.deepEqual(sortedIdsOf(first), [a.id, b.id].sort(), 'a pause as long as the one set changes nothing');
      assert.deepEqual(
        first.map((s) => [s.id, s.pausedUntil?.getTime()]).sort(),
        [
          [a.id, T0 + 100],
          [b.id, T0 + 50],
        ].sort(),
      );

      const second = await store.pause(
        new Map([
          [a.id, T0 + 60],
          [b.id, T0 + 80],
        ]),
      );
      assert.deepEqual(sortedIdsOf(second), [b.id]);
      assert.equal((await store.find(a.id))!.pausedUntil?.getTime(), T0 + 100);
      assert.equal((await store.find(b.id))!.pausedUntil?.getTime(), T0 + 80);
      assert.deepEqual(await store.pause(new Map()), []);
    },
  ],
  [
    'precondition failures are added to active subscriptions only',
    async (harness) => {
      const store = harness.subscriptions;
      const [on, off] = await subscribed(harness, {}, { active: false, statusMessage: 'Off.' });
      assert.deepEqual(
        await store.addPreconditionFailures(
          new Map([
            [on.id, 2],
            [off.id, 5],
            [newId(), 1],
          ]),
        ),
        [{ id: on.id, total: 2 }],
      );
      assert.deepEqual(await store.addPreconditionFailures(new Map([[on.id, 3]])), [{ id: on.id, total: 5 }]);
      assert.equal((await store.find(on.id))!.preconditionFailures, 5);
      assert.equal((await store.find(off.id))!.preconditionFailures, 0);
      await store.setActive(on.id, false, 'Off.', T0 + 1);
      assert.deepEqual(await store.addPreconditionFailures(new Map([[on.id, 1]])), []);
      assert.equal((await store.find(on.id))!.preconditionFailures, 5);
    },
  ],
  [
    'subscriptions handed out never change afterwards',
    async (harness) => {
      const store = harness.subscriptions;
      const [s] = await subscribed(harness, {});
      const held = [(await store.find(s.id))!, await store.update(s.id, { description: 'first' }, T0 + 1)];
      const views = () => held.map(subscriptionView);
      const snapshots = views();
      held.push((await store.setActive(s.id, false, 'Off.', T0 + 2))!);
      held.push((await store.setActive(s.id, true, 'Active', T0 + 3))!);
      await store.pause(new Map([[s.id, T0 + 1_000]]));
      await store.addPreconditionFailures(new Map([[s.id, 2]]));
      await store.rotateSecrets(
        s.id,
        () => ({ secrets: WebhookSecretList.of([secretEntry('whsec_next')]), result: null }),
        T0 + 4,
      );
      await store.update(s.id, { description: 'second', metadata: { changed: true } }, T0 + 5);
      assert.deepEqual(views().slice(0, 2), snapshots);
      assert.equal(held[2].active, false, 'the deactivated subscription stays inactive');
      assert.equal((await store.find(s.id))!.description, 'second');
    },
  ],
];

/**
 * The contract every {@link WebhookSubscriptionStore} passes, as cases for any test runner. Each case runs
 * on a fresh harness (empty storage) and closes it.
 *
 * @example
 * describe('my subscription store', () => {
 *   for (const c of subscriptionStoreContract(createHarness)) it(c.name, c.run);
 * });
 */
export function subscriptionStoreContract(
  createHarness: () => Promise<WebhookStoreHarness>,
): WebhookStoreContractCase[] {
  return toCases([...WRITE_CASES, ...SUBSCRIPTION_QUERY_CASES, ...STATIC_SYNC_CASES], createHarness);
}
