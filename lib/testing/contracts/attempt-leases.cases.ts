import assert from 'node:assert/strict';
import type { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type { AttemptResult } from '../../stores/attempt-store.interface';
import {
  attemptFixture,
  attemptView,
  type ContractCase,
  heldFixture,
  idsOf,
  LEASE,
  racers,
  resolvedFixture,
  retryingFixture,
  subscribed,
  T0,
  warmUp,
  write,
} from './contract.fixtures';

const results = (token: string, ...attempts: WebhookDeliveryAttempt[]): AttemptResult[] =>
  attempts.map((attempt) => ({ attempt, leaseToken: token }));

/** Attempt store cases: leases (renew, release, takeover), results fenced by the lease, failure counts. */
export const ATTEMPT_LEASE_CASES: ContractCase[] = [
  [
    'renew extends the leases still held by their tokens',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const [x, y, z] = [heldFixture(s, 'tok-a'), heldFixture(s, 'tok-a'), heldFixture(s, 'tok-b')];
      await write(store, [x, y, z]);
      const held = [x, y, z].map(({ id }) => ({ id, token: 'tok-a' }));
      assert.equal(await store.renew(held, T0 + 5 * LEASE), 2);
      for (const attempt of [x, y]) {
        assert.deepEqual(attemptView((await store.find(attempt.id))!), {
          ...attemptView(attempt),
          leaseUntil: T0 + 5 * LEASE,
          nextAttemptAt: T0 + 5 * LEASE,
        });
      }
      assert.deepEqual(
        attemptView((await store.find(z.id))!),
        attemptView(z),
        'a lease another token holds is not renewed',
      );
      await store.recordResults(results('tok-a', resolvedFixture(y, 'successful')), 10);
      assert.equal(
        await store.renew([{ id: y.id, token: 'tok-a' }], T0 + 6 * LEASE),
        0,
        'a resolved attempt is not renewed',
      );
      assert.equal(await store.renew([], T0), 0);
    },
  ],
  [
    'release gives held attempts back, due at once',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const [x, z] = [heldFixture(s, 'tok-a'), heldFixture(s, 'tok-b')];
      await write(store, [x, z]);
      await store.release(
        [
          { id: x.id, token: 'tok-a' },
          { id: z.id, token: 'tok-a' },
        ],
        T0 + 10,
      );
      assert.deepEqual(attemptView((await store.find(x.id))!), {
        ...attemptView(x),
        leaseOwner: null,
        leaseUntil: null,
        nextAttemptAt: T0 + 10,
      });
      assert.deepEqual(attemptView((await store.find(z.id))!), attemptView(z));
      assert.deepEqual(idsOf(await store.claimDue(T0 + 10, 10, 'tok-c', T0 + LEASE)), [x.id]);
    },
  ],
  [
    'recordResults writes a result only while its lease token holds the attempt',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const [x, y] = [heldFixture(s, 'tok-a'), heldFixture(s, 'tok-a')];
      await write(store, [x, y]);
      const done = resolvedFixture(x, 'successful');
      const stale = resolvedFixture(y, 'failed');
      const never = resolvedFixture(attemptFixture(s), 'failed');
      const first = await store.recordResults([...results('tok-a', done, never), ...results('tok-z', stale)], 10);
      assert.deepEqual([...first.written], [x.id]);
      assert.deepEqual(attemptView((await store.find(x.id))!), attemptView(done), 'the result is stored as given');
      assert.deepEqual(attemptView((await store.find(y.id))!), attemptView(y));
      assert.equal(await store.find(never.id), null);

      // A takeover fences the run that held the attempt before.
      assert.deepEqual(idsOf(await store.claim([y.id], 'tok-b', T0 + 2 * LEASE, T0, 'tok-a')), [y.id]);
      assert.deepEqual([...(await store.recordResults(results('tok-a', stale), 10)).written], []);
      assert.equal((await store.find(y.id))!.leaseOwner, 'tok-b');
      const retrying = retryingFixture(y, T0 + 5_000);
      const second = await store.recordResults(results('tok-b', retrying), 10);
      assert.deepEqual([...second.written], [y.id], 'a retry scheduled is written too');
      assert.deepEqual(second.resolvedFor, [], 'but resolves nothing');
      assert.deepEqual(attemptView((await store.find(y.id))!), attemptView(retrying));
      assert.deepEqual(
        idsOf(await store.claimDue(T0 + 5_000, 10, 'tok-c', T0 + 5_000 + LEASE)),
        [y.id],
        'and is due at its retry',
      );
    },
  ],
  [
    'a stale run racing a takeover: exactly one of them gets the attempt',
    async (harness) => {
      const [s] = await subscribed(harness, {});
      const attempts = Array.from({ length: 8 }, () => heldFixture(s, 'tok-old'));
      await write(harness.attempts, attempts);
      await warmUp(harness);
      const [one, other] = racers(harness).slice(0, 2);
      const outcomes = await Promise.all(
        attempts.map(async (attempt) => {
          const [recorded, taken] = await Promise.all([
            one.attempts.recordResults(results('tok-old', resolvedFixture(attempt, 'failed')), 10),
            other.attempts.claim([attempt.id], `tok-new-${attempt.id}`, T0 + 2 * LEASE, T0, 'tok-old'),
          ]);
          return Number(recorded.written.has(attempt.id)) + taken.length;
        }),
      );
      assert.deepEqual(
        outcomes,
        attempts.map(() => 1),
      );
    },
  ],
  [
    'counts consecutive failures and reports the active subscriptions reaching the limit',
    async (harness) => {
      const store = harness.attempts;
      const [a, b, off] = await subscribed(harness, {}, {}, { active: false, statusMessage: 'Off.' });
      const heldBy = (s: { id: string; to: string }, n: number) =>
        Array.from({ length: n }, () => heldFixture(s, 'tok'));
      const [as, bs, offs] = [heldBy(a, 8), heldBy(b, 6), heldBy(off, 3)];
      await write(store, [...as, ...bs, ...offs]);
      const fail = (x: WebhookDeliveryAttempt) => resolvedFixture(x, 'failed');
      const succeed = (x: WebhookDeliveryAttempt) => resolvedFixture(x, 'successful');
      const failures = async () =>
        Object.fromEntries(
          await Promise.all(
            [a, b, off].map(
              async (s) =>
                [
                  s === a ? 'a' : s === b ? 'b' : 'off',
                  (await harness.subscriptions.find(s.id))!.consecutiveFailures,
                ] as const,
            ),
          ),
        );

      const first = await store.recordResults(
        results('tok', fail(as[0]), succeed(bs[0]), fail(as[1]), fail(bs[1]), fail(bs[2]), ...offs.map(fail)),
        3,
      );
      assert.deepEqual(first.failing, [], 'inactive subscriptions are never reported');
      assert.deepEqual([...first.resolvedFor].sort(), [a.id, b.id, off.id].sort());
      assert.deepEqual(await failures(), { a: 2, b: 2, off: 3 }, 'failures after the last success count');

      const second = await store.recordResults(
        [...results('tok', fail(as[2]), retryingFixture(bs[3], T0 + 1_000)), ...results('stale', fail(bs[4]))],
        3,
      );
      assert.deepEqual(second.failing, [a.id]);
      assert.deepEqual(second.resolvedFor, [a.id], 'a retry scheduled resolves nothing');
      assert.deepEqual(
        await failures(),
        { a: 3, b: 2, off: 3 },
        'neither a retry scheduled nor a result not written counts',
      );

      const third = await store.recordResults(results('tok', succeed(as[3])), 3);
      assert.deepEqual(third.failing, []);
      assert.deepEqual(await failures(), { a: 0, b: 2, off: 3 }, 'a success resets the count');

      const fourth = await store.recordResults(
        results('tok', fail(as[4]), fail(bs[5]), fail(as[5]), fail(as[6]), fail(as[7])),
        3,
      );
      assert.deepEqual([...fourth.failing].sort(), [a.id, b.id].sort());
      assert.deepEqual(await failures(), { a: 4, b: 3, off: 3 });
    },
  ],
  [
    'attempts handed out never change afterwards',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const [x, y] = [heldFixture(s, 'tok-a'), attemptFixture(s, { nextAttemptAt: new Date(T0 - 1) })];
      await write(store, [x, y]);
      const held: WebhookDeliveryAttempt[] = [(await store.find(x.id))!, (await store.find(y.id))!];
      held.push(...(await store.claim([x.id], 'tok-b', T0 + 2 * LEASE, T0, 'tok-a')));
      held.push(...(await store.claimDue(T0, 10, 'tok-c', T0 + LEASE)));
      const before = held.map(attemptView);
      assert.equal(held.length, 4);
      await store.renew([{ id: x.id, token: 'tok-b' }], T0 + 3 * LEASE);
      await store.release([{ id: y.id, token: 'tok-c' }], T0 + 5);
      await store.recordResults(results('tok-b', resolvedFixture(held[2], 'failed')), 10);
      await store.rearm(x.id, T0 + 10, () => undefined);
      await store.claimDue(T0 + 10, 10, 'tok-d', T0 + LEASE);
      assert.deepEqual(held.map(attemptView), before);
    },
  ],
];
