import assert from 'node:assert/strict';
import { newId } from '../../core/util/ids.util';
import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { ATTEMPT_HISTORY_CASES } from './attempt-history.cases';
import { ATTEMPT_LEASE_CASES } from './attempt-leases.cases';
import { ATTEMPT_ORDERING_CASES } from './attempt-ordering.cases';
import { ATTEMPT_LIMIT_CASES } from './attempt-limits.cases';
import { BREAKER_CASES } from './breaker.cases';
import {
  attemptFixture,
  attemptView,
  type ContractCase,
  heldFixture,
  idsOf,
  LEASE,
  racers,
  repeated,
  resolveAll,
  sortedIdsOf,
  subscribed,
  T0,
  toCases,
  warmUp,
  write,
} from './contract.fixtures';
import type { WebhookStoreContractCase, WebhookStoreHarness } from './store-contract.interface';

const OUTBOX_CASES: ContractCase[] = [
  [
    'writes pending attempts whole and hands the rows written to onCommit',
    async (harness) => {
      const [s] = await subscribed(harness, {});
      const free = attemptFixture(s);
      const held = heldFixture(s, 'tok-a');
      const commits: string[][] = [];
      const written = await harness.attempts.insert([free, held], { onCommit: (rows) => commits.push(idsOf(rows)) });
      assert.deepEqual(idsOf(written), [free.id, held.id]);
      assert.deepEqual(commits, [[free.id, held.id]], 'onCommit is called once, by the time the write resolves');
      for (const attempt of [free, held]) {
        const found = await harness.attempts.find(attempt.id);
        assert.ok(found instanceof WebhookDeliveryAttempt, 'an attempt is a WebhookDeliveryAttempt');
        assert.deepEqual(attemptView(found), attemptView(attempt));
      }
      assert.equal(await harness.attempts.find(newId()), null);
      assert.deepEqual(await write(harness.attempts, []), []);
    },
  ],
  [
    'leaves out the attempts of subscriptions deleted meanwhile',
    async (harness) => {
      const [kept, gone] = await subscribed(harness, {}, {});
      await harness.subscriptions.delete(gone.id);
      const [a, b] = [attemptFixture(kept), attemptFixture(gone)];
      const commits: string[][] = [];
      const written = await harness.attempts.insert([a, b], { onCommit: (rows) => commits.push(idsOf(rows)) });
      assert.deepEqual(idsOf(written), [a.id]);
      assert.deepEqual(commits, [[a.id]]);
      assert.equal(await harness.attempts.find(b.id), null);
    },
  ],
  [
    'skips stored (message, subscription) pairs with ignoreDuplicates, and refuses them without',
    async (harness) => {
      const [a, b] = await subscribed(harness, {}, {});
      const first = attemptFixture(a);
      await write(harness.attempts, [first]);
      const again = attemptFixture(a, { messageId: first.messageId, event: 'contact.update' });
      const elsewhere = attemptFixture(b, { messageId: first.messageId });
      const fresh = attemptFixture(a);
      const written = await write(harness.attempts, [again, elsewhere, fresh, first], true);
      assert.deepEqual(idsOf(written), [elsewhere.id, fresh.id], 'the rows written, without those skipped');
      assert.equal(await harness.attempts.find(again.id), null);
      assert.deepEqual(attemptView((await harness.attempts.find(first.id))!), attemptView(first));
      const before = attemptFixture(a);
      let committed = false;
      const refused = harness.attempts.insert([before, attemptFixture(a, { messageId: first.messageId })], {
        onCommit: () => (committed = true),
      });
      await assert.rejects(refused);
      assert.equal(await harness.attempts.find(before.id), null, 'a refused write writes none of its rows');
      assert.equal(committed, false, 'nor calls onCommit');
      assert.deepEqual(attemptView((await harness.attempts.find(first.id))!), attemptView(first));
    },
  ],
];

const CLAIM_CASES: ContractCase[] = [
  [
    'claimDue claims the due attempts nobody holds, oldest due first, up to the limit',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const due = (at: number) => attemptFixture(s, { nextAttemptAt: new Date(T0 + at) });
      const [d1, d2, d3, later] = [due(-30), due(-20), due(-10), due(1_000)];
      const held = heldFixture(s, 'other', { leaseUntil: T0 + 500, nextAttemptAt: new Date(T0 + 500) });
      const expired = heldFixture(s, 'crashed', { leaseUntil: T0 - 5, nextAttemptAt: new Date(T0 - 5) });
      const resolved = heldFixture(s, 'tok-r');
      await write(store, [later, d3, held, expired, d1, d2, resolved]);
      await resolveAll(store, [resolved], 'failed', 'tok-r');

      const first = await store.claimDue(T0, 2, 'tok-1', T0 + LEASE);
      assert.deepEqual(sortedIdsOf(first), sortedIdsOf([d1, d2]), 'the two due first');
      for (const claimed of first) {
        const original = [d1, d2].find((a) => a.id === claimed.id)!;
        const expected = {
          ...attemptView(original),
          leaseOwner: 'tok-1',
          leaseUntil: T0 + LEASE,
          nextAttemptAt: T0 + LEASE,
        };
        assert.deepEqual(
          attemptView(claimed),
          expected,
          'a claimed attempt is held until leaseUntil, and due again then',
        );
        assert.deepEqual(attemptView((await store.find(claimed.id))!), expected);
      }
      assert.deepEqual(
        sortedIdsOf(await store.claimDue(T0, 10, 'tok-2', T0 + LEASE)),
        sortedIdsOf([d3, expired]),
        'a lease run out counts as nobody',
      );
      assert.deepEqual(await store.claimDue(T0, 10, 'tok-3', T0 + LEASE), []);
      assert.equal((await store.find(held.id))!.leaseOwner, 'other');
      assert.deepEqual(
        sortedIdsOf(await store.claimDue(T0 + 1_000, 10, 'tok-4', T0 + 1_000 + LEASE)),
        sortedIdsOf([held, later]),
      );
      assert.equal((await store.find(resolved.id))!.status, 'failed');
    },
  ],
  [
    'claims pass over attempts of paused subscriptions; a takeover by the holder does not',
    async (harness) => {
      const store = harness.attempts;
      const [paused, running] = await subscribed(harness, {}, {});
      await harness.subscriptions.pause(new Map([[paused.id, T0 + 100]]));
      const [waiting, going] = [
        attemptFixture(paused, { nextAttemptAt: new Date(T0 - 10) }),
        attemptFixture(running, { nextAttemptAt: new Date(T0 - 10) }),
      ];
      await write(store, [waiting, going]);
      assert.deepEqual(idsOf(await store.claimDue(T0, 10, 'tok-1', T0 + LEASE)), [going.id]);
      assert.deepEqual(await store.claim([waiting.id], 'tok-2', T0 + LEASE, T0 + 99), []);
      assert.deepEqual(
        idsOf(await store.claimDue(T0 + 100, 10, 'tok-3', T0 + 100 + LEASE)),
        [waiting.id],
        'the pause is over at its end',
      );
      await harness.subscriptions.pause(new Map([[paused.id, T0 + 10_000]]));
      assert.deepEqual(idsOf(await store.claim([waiting.id], 'tok-4', T0 + 200 + LEASE, T0 + 200, 'tok-3')), [
        waiting.id,
      ]);
      assert.equal((await store.find(waiting.id))!.leaseOwner, 'tok-4');
    },
  ],
  [
    'claim takes the given pending attempts that nobody holds, or that heldBy holds',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const held = heldFixture(s, 'tok-a', { leaseUntil: T0 + 1_000, nextAttemptAt: new Date(T0 + 1_000) });
      const notDue = attemptFixture(s, { nextAttemptAt: new Date(T0 + 5_000) });
      await write(store, [held, notDue]);

      const taken = await store.claim([held.id, notDue.id, newId()], 'tok-b', T0 + 2_000, T0);
      assert.deepEqual(idsOf(taken), [notDue.id], 'a claim by id does not wait for the attempt to be due');
      assert.deepEqual(attemptView(taken[0]), {
        ...attemptView(notDue),
        leaseOwner: 'tok-b',
        leaseUntil: T0 + 2_000,
        nextAttemptAt: T0 + 2_000,
      });
      assert.deepEqual(await store.claim([held.id], 'tok-b', T0 + 2_000, T0, 'tok-c'), [], 'heldBy must be the holder');
      assert.deepEqual(idsOf(await store.claim([held.id], 'tok-b', T0 + 2_000, T0, 'tok-a')), [held.id]);
      assert.equal((await store.find(held.id))!.leaseOwner, 'tok-b');
      assert.deepEqual(
        idsOf(await store.claim([held.id], 'tok-c', T0 + 3_000, T0 + 2_000)),
        [held.id],
        'a lease run out counts as nobody',
      );
      await resolveAll(store, [held], 'successful', 'tok-c');
      assert.deepEqual(
        await store.claim([held.id], 'tok-d', T0 + 3_000, T0 + 2_000),
        [],
        'a resolved attempt is not claimed',
      );
    },
  ],
  [
    'racing claims never hand out one attempt twice',
    async (harness) => {
      const [s] = await subscribed(harness, {});
      const due = Array.from({ length: 40 }, (_, i) => attemptFixture(s, { nextAttemptAt: new Date(T0 - 100 + i) }));
      const byId = Array.from({ length: 10 }, () => attemptFixture(s, { nextAttemptAt: new Date(T0 + 10_000) }));
      await write(harness.attempts, [...due, ...byId]);
      await warmUp(harness);

      const polls = await Promise.all(
        racers(harness).map((stores, i) => stores.attempts.claimDue(T0 - 50, 7, `poll-${i}`, T0 + LEASE)),
      );
      const polled = polls.flatMap((list, i) => list.map((attempt) => ({ id: attempt.id, token: `poll-${i}` })));
      assert.deepEqual(repeated(idsOf(polled)), [], 'an attempt was claimed by two polls');
      for (const { id, token } of polled) assert.equal((await harness.attempts.find(id))!.leaseOwner, token);
      const rest = await harness.attempts.claimDue(T0, 100, 'poll-rest', T0 + LEASE);
      assert.deepEqual(
        [...idsOf(polled), ...idsOf(rest)].sort(),
        sortedIdsOf(due),
        'every due attempt is claimed exactly once',
      );

      const ids = idsOf(byId);
      const claims = await Promise.all(
        racers(harness).map((stores, i) => stores.attempts.claim(ids, `claim-${i}`, T0 + LEASE, T0)),
      );
      const claimed = claims.flatMap((list) => idsOf(list));
      assert.deepEqual(repeated(claimed), [], 'an attempt was claimed by two claims');
      assert.deepEqual(claimed.sort(), [...ids].sort());
    },
  ],
];

/**
 * The contract every {@link WebhookAttemptStore} passes, as cases for any test runner. Each case runs on a
 * fresh harness (empty storage) and closes it; the attempts' subscriptions are made through the harness's
 * subscription store.
 */
export function attemptStoreContract(createHarness: () => Promise<WebhookStoreHarness>): WebhookStoreContractCase[] {
  return toCases(
    [
      ...OUTBOX_CASES,
      ...CLAIM_CASES,
      ...ATTEMPT_LEASE_CASES,
      ...ATTEMPT_ORDERING_CASES,
      ...ATTEMPT_LIMIT_CASES,
      ...BREAKER_CASES,
      ...ATTEMPT_HISTORY_CASES,
    ],
    createHarness,
  );
}
