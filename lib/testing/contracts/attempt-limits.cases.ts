import assert from 'node:assert/strict';
import {
  attemptFixture,
  type ContractCase,
  idsOf,
  LEASE,
  racers,
  resolveAll,
  subscribed,
  T0,
  warmUp,
  write,
} from './contract.fixtures';

/** Past the moment (≤ 50 ms) a store may pass over a subscription whose slots were all taken. */
const LATER = 100;

/** Attempt store cases: per-subscription limits (`maxInFlight`, `rateLimit`) applied by the claims. */
export const ATTEMPT_LIMIT_CASES: ContractCase[] = [
  [
    'claims at most maxInFlight attempts of a subscription under live leases, whichever way they are claimed',
    async (harness) => {
      const store = harness.attempts;
      const [s, free] = await subscribed(harness, { maxInFlight: 2 }, {});
      const attempts = Array.from({ length: 5 }, () => attemptFixture(s));
      const others = Array.from({ length: 3 }, () => attemptFixture(free));
      await write(store, [...attempts, ...others]);
      const first = await store.claimDue(T0, 100, 'tok-a', T0 + LEASE);
      assert.deepEqual(
        idsOf(first).filter((id) => idsOf(attempts).includes(id)),
        idsOf(attempts.slice(0, 2)),
      );
      assert.equal(first.length, 5, 'other subscriptions are not held back');
      assert.deepEqual(idsOf(await store.claimDue(T0 + LATER, 100, 'tok-b', T0 + LEASE)), []);
      assert.deepEqual(idsOf(await store.claim(idsOf(attempts), 'tok-b', T0 + LEASE, T0 + LATER)), []);
      await resolveAll(store, [attempts[0]], 'successful', 'tok-a');
      assert.deepEqual(idsOf(await store.claim(idsOf(attempts), 'tok-c', T0 + LEASE, T0 + 2 * LATER)), [
        attempts[2].id,
      ]);
      // Leases run out (a crashed instance): they no longer count.
      const taken = await store.claimDue(T0 + 2 * LEASE, 100, 'tok-d', T0 + 3 * LEASE);
      assert.equal(taken.filter((a) => a.subscriptionId === s.id).length, 2);
    },
  ],
  [
    'draws the claims of a rate-limited subscription from a token bucket: burst at once, then perSecond',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, { rateLimit: { perSecond: 10, burst: 2 } });
      const attempts = Array.from({ length: 10 }, () => attemptFixture(s));
      await write(store, attempts);
      const count = async (at: number) => (await store.claimDue(at, 100, `tok-${at}`, at + LEASE)).length;
      assert.equal(await count(T0), 2, 'the burst');
      assert.equal(await count(T0 + 50), 0);
      assert.equal(await count(T0 + 100), 1, 'one per 100 ms');
      assert.equal(await count(T0 + 150), 0);
      assert.equal(await count(T0 + 1_100), 2, 'a quiet second refills the bucket up to the burst, not beyond');
    },
  ],
  [
    'instances claiming at once together stay within maxInFlight and the rate limit',
    async (harness) => {
      const [capped, rated] = await subscribed(harness, { maxInFlight: 3 }, { rateLimit: { perSecond: 1, burst: 4 } });
      const attempts = [
        ...Array.from({ length: 12 }, () => attemptFixture(capped)),
        ...Array.from({ length: 12 }, () => attemptFixture(rated)),
      ];
      await write(harness.attempts, attempts);
      await warmUp(harness);
      const claims = await Promise.all(
        racers(harness).map((stores, i) => stores.attempts.claimDue(T0, 100, `poll-${i}`, T0 + LEASE)),
      );
      const all = claims.flat();
      assert.equal(all.filter((a) => a.subscriptionId === capped.id).length, 3);
      assert.equal(all.filter((a) => a.subscriptionId === rated.id).length, 4);
      assert.equal(new Set(idsOf(all)).size, all.length);
    },
  ],
];
