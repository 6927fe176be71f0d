import assert from 'node:assert/strict';
import type { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type { ClaimRules } from '../../stores/attempt-store.interface';
import {
  attemptFixture,
  type ContractCase,
  idsOf,
  LEASE,
  racers,
  resolveAll,
  resolvedFixture,
  retryingFixture,
  sortedIdsOf,
  subscribed,
  T0,
  warmUp,
  write,
} from './contract.fixtures';

const SKIP: ClaimRules = { orderedFailure: 'skip' };
const BLOCK: ClaimRules = { orderedFailure: 'block' };

/** Attempts of one subscription and key, made in dispatch (id) order. */
const keyed = (subscription: { id: string; to: string }, key: string, n: number): WebhookDeliveryAttempt[] =>
  Array.from({ length: n }, () => attemptFixture(subscription, { orderingKey: key }));

/** Attempt store cases: the ordering key (claims keep the dispatch order of each subscription and key). */
export const ATTEMPT_ORDERING_CASES: ContractCase[] = [
  [
    'stores the ordering key, and claims only the first pending attempt of each (subscription, key)',
    async (harness) => {
      const store = harness.attempts;
      const [s, t] = await subscribed(harness, {}, {});
      const [a1, a2, a3] = keyed(s, 'order-1', 3);
      const [b1] = keyed(s, 'order-2', 1);
      const [c1] = keyed(t, 'order-1', 1);
      const plain = [attemptFixture(s), attemptFixture(s)];
      await write(store, [a1, a2, a3, b1, c1, ...plain]);
      assert.equal((await store.find(a2.id))!.orderingKey, 'order-1');
      assert.equal((await store.find(plain[0].id))!.orderingKey, null);
      const first = await store.claimDue(T0, 100, 'tok-a', T0 + LEASE, SKIP);
      assert.deepEqual(sortedIdsOf(first), sortedIdsOf([a1, b1, c1, ...plain]), 'unkeyed ones are all claimed');
      await resolveAll(store, [b1, c1, ...plain], 'successful', 'tok-a');
      // Held, a1 holds a2 back, for a poll and for a claim by id alike.
      assert.deepEqual(idsOf(await store.claimDue(T0 + 1, 100, 'tok-b', T0 + LEASE, SKIP)), []);
      assert.deepEqual(idsOf(await store.claim([a2.id, a3.id], 'tok-b', T0 + LEASE, T0 + 1, undefined, SKIP)), []);
      // Its lease run out (a crash), a1 comes back — and still first.
      assert.deepEqual(idsOf(await store.claimDue(T0 + LEASE, 100, 'tok-c', T0 + 2 * LEASE, SKIP)), [a1.id]);
      await resolveAll(store, [a1], 'successful', 'tok-c');
      assert.deepEqual(idsOf(await store.claim([a3.id, a2.id], 'tok-d', T0 + 3 * LEASE, T0 + LEASE, undefined, SKIP)), [
        a2.id,
      ]);
    },
  ],
  [
    'an attempt being retried holds the later ones of its key back until it is resolved',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const [a1, a2, a3] = keyed(s, 'k', 3);
      await write(store, [a1, a2, a3]);
      assert.deepEqual(idsOf(await store.claimDue(T0, 10, 'tok-a', T0 + LEASE, SKIP)), [a1.id]);
      // A failed try with a retry in 5 s: pending, held by nobody, not due.
      await store.recordResults([{ attempt: retryingFixture(a1, T0 + 5_000), leaseToken: 'tok-a' }], 1_000);
      assert.deepEqual(idsOf(await store.claimDue(T0 + 10, 10, 'tok-b', T0 + LEASE, SKIP)), []);
      const [retry] = await store.claimDue(T0 + 5_000, 10, 'tok-c', T0 + LEASE, SKIP);
      assert.equal(retry?.id, a1.id, 'the retry comes first');
      await resolveAll(store, [retry], 'successful', 'tok-c');
      assert.deepEqual(idsOf(await store.claimDue(T0 + 5_001, 10, 'tok-d', T0 + LEASE, SKIP)), [a2.id]);
    },
  ],
  [
    "a failed attempt lets its key go on under 'skip'; under 'block' until replayed or the subscription changes",
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const [a1, a2] = keyed(s, 'k', 2);
      await write(store, [a1, a2]);
      await store.claimDue(T0, 10, 'tok-a', T0 + LEASE, BLOCK);
      await store.recordResults([{ attempt: resolvedFixture(a1, 'failed', T0 + 100), leaseToken: 'tok-a' }], 1_000);
      assert.deepEqual(idsOf(await store.claimDue(T0 + 200, 10, 'tok-b', T0 + LEASE, BLOCK)), []);
      assert.deepEqual(idsOf(await store.claim([a2.id], 'tok-b', T0 + LEASE, T0 + 200, undefined, BLOCK)), []);
      // A replay puts the failed one back first.
      assert.equal(await store.rearm(a1.id, T0 + 300, () => undefined), true);
      assert.deepEqual(idsOf(await store.claimDue(T0 + 300, 10, 'tok-c', T0 + LEASE, BLOCK)), [a1.id]);
      await store.recordResults([{ attempt: resolvedFixture(a1, 'failed', T0 + 400), leaseToken: 'tok-c' }], 1_000);
      assert.deepEqual(idsOf(await store.claimDue(T0 + 500, 10, 'tok-d', T0 + LEASE, BLOCK)), []);
      assert.deepEqual(
        idsOf(await store.claimDue(T0 + 500, 10, 'tok-d', T0 + LEASE, SKIP)),
        [a2.id],
        "under 'skip' the next one goes on",
      );
      await store.release([{ id: a2.id, token: 'tok-d' }], T0 + 500);
      // A change of the subscription after the failure (its URL fixed, say) lets the key go on.
      await harness.subscriptions.update(s.id, { description: 'fixed' }, T0 + 600);
      assert.deepEqual(idsOf(await store.claimDue(T0 + 700, 10, 'tok-e', T0 + LEASE, BLOCK)), [a2.id]);
    },
  ],
  [
    'instances claiming one key at once get its first attempt once, and nothing after it',
    async (harness) => {
      const [s] = await subscribed(harness, {});
      const attempts = keyed(s, 'k', 6);
      await write(harness.attempts, attempts);
      await warmUp(harness);
      const claims = await Promise.all(
        racers(harness).map((stores, i) => stores.attempts.claimDue(T0, 10, `poll-${i}`, T0 + LEASE, SKIP)),
      );
      assert.deepEqual(
        claims.flat().map((a) => a.id),
        [attempts[0].id],
      );
    },
  ],
];
