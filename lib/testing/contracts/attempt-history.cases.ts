import assert from 'node:assert/strict';
import { newId } from '../../core/util/ids.util';
import type { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type { WebhookAttemptStore } from '../../stores/attempt-store.interface';
import {
  attemptFixture,
  attemptView,
  type ContractCase,
  heldFixture,
  idsOf,
  LEASE,
  orderedIds,
  racers,
  resolveAll,
  resolvedFixture,
  sortedIdsOf,
  subscribed,
  T0,
  warmUp,
  write,
} from './contract.fixtures';

/** Held attempts of `s` with ascending ids, created `step` ms apart from T0. */
const history = (s: { id: string; to: string }, n: number, step = 0): WebhookDeliveryAttempt[] =>
  orderedIds(n).map((id, i) => heldFixture(s, 'tok', { id, createdAt: new Date(T0 + i * step) }));

/** The attempt as a manual retry or a replay sets it back: pending, due at `now`, its next try manual. */
const rearmedView = (attempt: WebhookDeliveryAttempt, now: number) => ({
  ...attemptView(attempt),
  status: 'pending',
  nextAttemptAt: now,
  nextTrigger: 'manual',
  leaseOwner: null,
  leaseUntil: null,
  resolvedAt: null,
});

/** Resolves held attempts (held by `tok`), each at its own time (epoch ms). */
async function resolveAt(
  store: WebhookAttemptStore,
  resolutions: ReadonlyArray<[WebhookDeliveryAttempt, number]>,
): Promise<void> {
  const { written } = await store.recordResults(
    resolutions.map(([attempt, at]) => ({ attempt: resolvedFixture(attempt, 'successful', at), leaseToken: 'tok' })),
    1_000,
  );
  assert.equal(written.size, resolutions.length, 'every result is written under its lease');
}

/** Attempt store cases: the history (trim, cascade, rearm, replay, list) and the pending summary. */
export const ATTEMPT_HISTORY_CASES: ContractCase[] = [
  [
    'trimResolvedBefore deletes attempts resolved before the cutoff, oldest first, a batch at a time, never pending ones',
    async (harness) => {
      const store = harness.attempts;
      const [a, b] = await subscribed(harness, {}, {});
      // The oldest attempt of all is pending: age never drops it.
      const [p0, r1, r2, r3, r4, recent] = history(a, 6);
      const [s1] = history(b, 1);
      await write(store, [p0, r1, r2, r3, r4, recent, s1]);
      // Resolution times, not creation order, decide: r4 was resolved first.
      await resolveAt(store, [
        [r4, T0 + 10],
        [s1, T0 + 15],
        [r1, T0 + 20],
        [r3, T0 + 30],
        [r2, T0 + 40],
        [recent, T0 + 100],
      ]);

      assert.equal(await store.trimResolvedBefore(T0 + 35, 2), 2);
      assert.equal(await store.find(r4.id), null);
      assert.equal(await store.find(s1.id), null);
      assert.notEqual(await store.find(r1.id), null, 'a batch takes the oldest resolved only');
      assert.equal(await store.trimResolvedBefore(T0 + 35, 2), 2);
      assert.equal(await store.trimResolvedBefore(T0 + 35, 2), 0);
      assert.deepEqual(idsOf(await store.list(a.id, { limit: 100 })), idsOf([recent, r2, p0]));
      assert.equal(await store.trimResolvedBefore(T0 + 40, 10), 0, 'the cutoff is exclusive');
      assert.equal(await store.trimResolvedBefore(T0 + 1_000_000, 10), 2);
      assert.deepEqual(idsOf(await store.list(a.id, { limit: 100 })), idsOf([p0]));
      assert.equal((await store.pendingSummary(T0)).pending, 1);
    },
  ],
  [
    'trimResolvedBefore leaves an old attempt set back to pending alone',
    async (harness) => {
      const store = harness.attempts;
      const [a] = await subscribed(harness, {});
      const [old, other] = history(a, 2);
      await write(store, [old, other]);
      await resolveAt(store, [
        [old, T0 + 10],
        [other, T0 + 10],
      ]);
      assert.equal(await store.rearm(old.id, T0 + 20, () => undefined), true);
      assert.equal(await store.trimResolvedBefore(T0 + 1_000, 10), 1);
      assert.equal((await store.find(old.id))?.status, 'pending');
      assert.equal(await store.find(other.id), null);
    },
  ],
  [
    'trimming by age while results are recorded drops only what was resolved before the cutoff',
    async (harness) => {
      await warmUp(harness);
      const store = harness.attempts;
      const [a, b] = await subscribed(harness, {}, {});
      const [olds, news, pendings] = [history(a, 24), history(b, 24), history(a, 6)];
      await write(store, [...olds, ...news, ...pendings]);
      await resolveAt(
        store,
        olds.map((attempt, i): [WebhookDeliveryAttempt, number] => [attempt, T0 + i]),
      );
      // Instances record the new results one by one while others trim in batches of 3.
      const all = racers(harness);
      await Promise.all([
        ...news.map((attempt, i) => resolveAt(all[i % all.length].attempts, [[attempt, T0 + 10_000 + i]])),
        ...all.map(async (stores) => {
          while ((await stores.attempts.trimResolvedBefore(T0 + 5_000, 3)) > 0);
        }),
      ]);
      for (const attempt of olds) assert.equal(await store.find(attempt.id), null);
      assert.deepEqual(
        sortedIdsOf(await store.list(b.id, { limit: 100 })),
        sortedIdsOf(news),
        'every attempt resolved after the cutoff is kept',
      );
      assert.deepEqual(
        sortedIdsOf(await store.list(a.id, { limit: 100 })),
        sortedIdsOf(pendings),
        'pending attempts are kept',
      );
    },
  ],
  [
    'trim keeps the newest resolved attempts up to the limit, and every pending one',
    async (harness) => {
      const store = harness.attempts;
      const [a, b] = await subscribed(harness, {}, {});
      const [p0, r1, r2, r3, r4, r5, p6] = history(a, 7);
      const others = history(b, 3);
      await write(store, [p0, r1, r2, r3, r4, r5, p6, ...others]);
      // Resolved newest first: the history is trimmed by id (age), not by when attempts were resolved.
      await resolveAll(store, [r5, r4, r3, r2, r1], 'failed', 'tok');
      await resolveAll(store, others, 'successful', 'tok');

      assert.equal(await store.trim([a.id], 2), 3);
      assert.deepEqual(idsOf(await store.list(a.id, { limit: 100 })), idsOf([p6, r5, r4, p0]));
      for (const gone of [r1, r2, r3]) assert.equal(await store.find(gone.id), null);
      assert.equal(await store.trim([a.id], 2), 0);
      assert.equal((await store.list(b.id, { limit: 100 })).length, 3, 'only the subscriptions given are trimmed');

      await resolveAll(store, [p0], 'successful', 'tok');
      assert.equal(await store.trim([a.id, b.id, a.id], 2), 2, 'the oldest goes, even when resolved last');
      assert.deepEqual(idsOf(await store.list(a.id, { limit: 100 })), idsOf([p6, r5, r4]));
      assert.deepEqual(idsOf(await store.list(b.id, { limit: 100 })), idsOf([others[2], others[1]]));
      assert.equal(await store.trim([b.id, newId()], 0), 2);
      assert.equal(await store.trim([], 0), 0);
    },
  ],
  [
    'attempts written out of id order are kept, listed and trimmed by id',
    async (harness) => {
      const store = harness.attempts;
      const [a] = await subscribed(harness, {});
      const [x0, x1, x2, x3] = history(a, 4, 10);
      // Transactions commit in another order than their events were raised in.
      for (const attempt of [x2, x0, x3, x1]) await write(store, [attempt]);
      assert.deepEqual(idsOf(await store.list(a.id, { limit: 10 })), idsOf([x3, x2, x1, x0]));
      await resolveAll(store, [x1, x3, x0, x2], 'failed', 'tok');
      assert.equal(await store.trim([a.id], 2), 2);
      assert.deepEqual(idsOf(await store.list(a.id, { limit: 10 })), idsOf([x3, x2]));
    },
  ],
  [
    'deleting a subscription deletes its attempts',
    async (harness) => {
      const store = harness.attempts;
      const [a, b] = await subscribed(harness, {}, {});
      const [pending, resolved] = [attemptFixture(a, { nextAttemptAt: new Date(T0 - 1) }), heldFixture(a, 'tok')];
      const other = attemptFixture(b, { nextAttemptAt: new Date(T0 - 1) });
      await write(store, [pending, resolved, other]);
      await resolveAll(store, [resolved], 'failed', 'tok');
      await harness.subscriptions.delete(a.id);
      assert.equal(await store.find(pending.id), null);
      assert.equal(await store.find(resolved.id), null);
      assert.deepEqual(await store.list(a.id, { limit: 10 }), []);
      assert.equal((await store.pendingSummary(T0)).pending, 1);
      assert.deepEqual(idsOf(await store.claimDue(T0, 10, 'tok-2', T0 + LEASE)), [other.id]);
    },
  ],
  [
    'rearm sets an attempt back to pending, due now, unless a live lease holds it',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const failed = heldFixture(s, 'tok');
      const held = heldFixture(s, 'tok-live', { leaseUntil: T0 + 1_000, nextAttemptAt: new Date(T0 + 1_000) });
      const expired = heldFixture(s, 'tok-dead', { leaseUntil: T0 - 1, nextAttemptAt: new Date(T0 - 1) });
      const waiting = attemptFixture(s, { nextAttemptAt: new Date(T0 + 5_000), attemptCount: 1 });
      await write(store, [failed, held, expired, waiting]);
      await resolveAll(store, [failed], 'failed', 'tok');
      const resolved = (await store.find(failed.id))!;
      let commits = 0;
      const committed = () => void commits++;

      assert.equal(await store.rearm(failed.id, T0 + 10, committed), true);
      assert.equal(commits, 1, 'onCommit runs once the change is made');
      assert.deepEqual(
        attemptView((await store.find(failed.id))!),
        rearmedView(resolved, T0 + 10),
        'its tries and last result are kept',
      );
      assert.equal(await store.rearm(held.id, T0 + 10, committed), false, 'a try of it is under way');
      assert.deepEqual(attemptView((await store.find(held.id))!), attemptView(held));
      assert.equal(await store.rearm(expired.id, T0 + 10, committed), true, 'a lease run out holds nothing');
      assert.equal(await store.rearm(waiting.id, T0 + 10, committed), true, 'one waiting for a retry is sent now');
      assert.equal(await store.rearm(newId(), T0 + 10, committed), false);
      assert.equal(commits, 3, 'onCommit runs only for a change made');
      assert.deepEqual(
        sortedIdsOf(await store.claimDue(T0 + 10, 10, 'tok-2', T0 + LEASE)),
        sortedIdsOf([failed, expired, waiting]),
      );
    },
  ],
  [
    'replay sets the matching resolved attempts back to pending; without a subscription, of active ones only',
    async (harness) => {
      const store = harness.attempts;
      const [a, off] = await subscribed(harness, {}, { active: false, statusMessage: 'Off.' });
      const [f1, s1, f2, p] = history(a, 4, 100);
      const [fOff] = history(off, 1);
      await write(store, [f1, s1, f2, p, fOff]);
      await resolveAll(store, [f1, f2, fOff], 'failed', 'tok');
      await resolveAll(store, [s1], 'successful', 'tok');
      const stored = Object.fromEntries(
        await Promise.all([f1, s1, f2, fOff].map(async (x) => [x.id, (await store.find(x.id))!] as const)),
      );
      let commits = 0;
      const committed = () => void commits++;

      assert.equal(
        await store.replay({ subscriptionId: a.id, status: 'failed', since: T0 + 200 }, T0 + 1_000, committed),
        1,
      );
      assert.deepEqual(attemptView((await store.find(f2.id))!), rearmedView(stored[f2.id], T0 + 1_000));
      assert.equal((await store.find(f1.id))!.status, 'failed', 'created before `since`');
      assert.equal(
        await store.replay({ status: 'failed' }, T0 + 2_000, committed),
        1,
        'the inactive subscription is left out',
      );
      assert.deepEqual(attemptView((await store.find(f1.id))!), rearmedView(stored[f1.id], T0 + 2_000));
      assert.equal((await store.find(fOff.id))!.status, 'failed');
      assert.equal(
        await store.replay({ subscriptionId: off.id, status: 'failed' }, T0 + 3_000, committed),
        1,
        'named, an inactive one is replayed',
      );
      assert.equal(await store.replay({ status: 'successful' }, T0 + 4_000, committed), 1);
      assert.deepEqual(attemptView((await store.find(s1.id))!), rearmedView(stored[s1.id], T0 + 4_000));
      assert.ok(commits >= 4, 'onCommit runs for every replay that changed something');
      assert.equal(await store.replay({ status: 'failed' }, T0 + 5_000, committed), 0);
      assert.deepEqual(attemptView((await store.find(p.id))!), attemptView(p), 'pending attempts are left alone');
    },
  ],
  [
    "list pages a subscription's attempts newest first, one more than the limit",
    async (harness) => {
      const store = harness.attempts;
      const [a, b] = await subscribed(harness, {}, {});
      const [x0, x1, x2, x3, x4] = history(a, 5, 10);
      await write(store, [x0, x1, x2, x3, x4, attemptFixture(b)]);
      await resolveAll(store, [x1, x3], 'successful', 'tok');
      await resolveAll(store, [x0], 'failed', 'tok');
      const list = async (query: Parameters<typeof store.list>[1]) => idsOf(await store.list(a.id, query));

      assert.deepEqual(await list({ limit: 2 }), idsOf([x4, x3, x2]));
      assert.deepEqual(await list({ limit: 2, before: x2.id }), idsOf([x1, x0]));
      assert.deepEqual(await list({ limit: 10, status: 'successful' }), idsOf([x3, x1]));
      assert.deepEqual(await list({ limit: 10, status: 'pending' }), idsOf([x4, x2]));
      assert.deepEqual(await list({ limit: 10, status: 'failed' }), idsOf([x0]));
      assert.deepEqual(await list({ limit: 10, since: T0 + 20 }), idsOf([x4, x3, x2]), '`since` is inclusive');
      assert.deepEqual(await list({ limit: 1, status: 'successful', before: x3.id }), idsOf([x1]));
      assert.deepEqual(await store.list(newId(), { limit: 10 }), []);
      const [newest] = await store.list(a.id, { limit: 1 });
      assert.deepEqual(attemptView(newest), attemptView(x4), 'listed attempts are whole');
    },
  ],
  [
    'pendingSummary counts the pending attempts, those due, and when the next is due',
    async (harness) => {
      const store = harness.attempts;
      assert.deepEqual(await store.pendingSummary(T0), { pending: 0, due: 0, nextAttemptAt: null });
      const [s] = await subscribed(harness, {});
      const dueNow = attemptFixture(s, { nextAttemptAt: new Date(T0 - 10) });
      const expired = heldFixture(s, 'tok-dead', { leaseUntil: T0 - 5, nextAttemptAt: new Date(T0 - 5) });
      const held = heldFixture(s, 'tok-live', { leaseUntil: T0 + 500, nextAttemptAt: new Date(T0 + 500) });
      // Its time has come, but a live lease holds it: pending, not due.
      const heldPastDue = heldFixture(s, 'tok-live', { leaseUntil: T0 + 700, nextAttemptAt: new Date(T0 - 1) });
      const later = attemptFixture(s, { nextAttemptAt: new Date(T0 + 1_000) });
      const resolved = heldFixture(s, 'tok');
      await write(store, [later, held, resolved, expired, heldPastDue, dueNow]);
      await resolveAll(store, [resolved], 'successful', 'tok');
      const summary = async (now: number) => {
        const { pending, due, nextAttemptAt } = await store.pendingSummary(now);
        return { pending, due, next: nextAttemptAt?.getTime() ?? null };
      };
      assert.deepEqual(await summary(T0), { pending: 5, due: 2, next: T0 - 10 });
      assert.deepEqual(await summary(T0 + 600), { pending: 5, due: 3, next: T0 - 10 });
      assert.deepEqual(await summary(T0 + 700), { pending: 5, due: 4, next: T0 - 10 });
      await store.claimDue(T0, 10, 'tok-2', T0 + LEASE);
      const { pending, due } = await summary(T0);
      assert.deepEqual({ pending, due }, { pending: 5, due: 0 }, 'claimed attempts are held, not due');
    },
  ],
  [
    'dueBacklog counts the due attempts no lease holds, with the oldest due time',
    async (harness) => {
      const store = harness.attempts;
      assert.deepEqual(await store.dueBacklog(T0), { due: 0, oldestDueAt: null });
      const [s] = await subscribed(harness, {});
      const oldest = attemptFixture(s, { nextAttemptAt: new Date(T0 - 30) });
      const dueNow = attemptFixture(s, { nextAttemptAt: new Date(T0 - 10) });
      const expired = heldFixture(s, 'tok-dead', { leaseUntil: T0 - 5, nextAttemptAt: new Date(T0 - 5) });
      // Its time has come, but a live lease holds it: not due.
      const heldPastDue = heldFixture(s, 'tok-live', { leaseUntil: T0 + 700, nextAttemptAt: new Date(T0 - 40) });
      const later = attemptFixture(s, { nextAttemptAt: new Date(T0 + 1_000) });
      const resolved = heldFixture(s, 'tok', { nextAttemptAt: new Date(T0 - 50) });
      await write(store, [later, heldPastDue, resolved, expired, dueNow, oldest]);
      await resolveAll(store, [resolved], 'failed', 'tok');
      const backlog = async (now: number) => {
        const { due, oldestDueAt } = await store.dueBacklog(now);
        return { due, oldest: oldestDueAt?.getTime() ?? null };
      };
      assert.deepEqual(await backlog(T0), { due: 3, oldest: T0 - 30 });
      assert.deepEqual(await backlog(T0 + 700), { due: 4, oldest: T0 - 40 }, 'a lease run out makes it due');
      assert.deepEqual(await backlog(T0 + 1_000), { due: 5, oldest: T0 - 40 });
      await store.claimDue(T0 + 1_000, 10, 'tok-2', T0 + 1_000 + LEASE);
      assert.deepEqual(await backlog(T0 + 1_000), { due: 0, oldest: null }, 'claimed attempts are held, not due');
    },
  ],
  [
    'the trace context is stored with an attempt and kept through its results',
    async (harness) => {
      const store = harness.attempts;
      const [s] = await subscribed(harness, {});
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const traced = heldFixture(s, 'tok', { traceContext: traceparent });
      const untraced = heldFixture(s, 'tok');
      await write(store, [traced, untraced]);
      assert.equal((await store.find(traced.id))!.traceContext, traceparent);
      assert.equal((await store.find(untraced.id))!.traceContext, null);
      await resolveAll(store, [traced], 'successful', 'tok');
      const found = (await store.find(traced.id))!;
      assert.equal(found.status, 'successful');
      assert.equal(found.traceContext, traceparent, 'a result leaves the trace context as it was');
      const [claimed] = await store.claimDue(T0 + LEASE, 10, 'tok-2', T0 + 2 * LEASE);
      assert.equal(claimed.id, untraced.id);
      assert.equal(claimed.traceContext, null);
    },
  ],
];
