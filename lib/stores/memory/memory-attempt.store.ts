import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type {
  AttemptListQuery,
  AttemptReplayFilter,
  AttemptResult,
  ClaimRules,
  HeldAttempt,
  DueBacklog,
  OutboxWrite,
  PendingAttemptsSummary,
  RecordedResults,
  WebhookAttemptStore,
} from '../attempt-store.interface';
import { AttemptHistory, type AttemptSlot } from './attempt-history';
import { DueAttempts } from './due-attempts.queue';
import type { MemorySubscriptionStore } from './memory-subscription.store';
import { OrderingKeys } from './ordering-keys.index';
import { DeliveryLimitsGate } from './delivery-limits.gate';

/** A copy of an attempt (same prototype) with `changes`: attempts handed out never change. */
function derive(attempt: WebhookDeliveryAttempt, changes: Partial<WebhookDeliveryAttempt>): WebhookDeliveryAttempt {
  return Object.assign(Object.create(WebhookDeliveryAttempt.prototype) as WebhookDeliveryAttempt, attempt, changes);
}

/** What a manual retry or a replay makes of an attempt: pending, due now, its next try marked `manual`. */
const rearmed = (attempt: WebhookDeliveryAttempt, now: number) =>
  derive(attempt, {
    status: 'pending',
    nextAttemptAt: new Date(now),
    nextTrigger: 'manual',
    leaseOwner: null,
    leaseUntil: null,
    resolvedAt: null,
  });

/** The same attempt held under a new lease; a held attempt is due again when its lease runs out. */
const leased = (attempt: WebhookDeliveryAttempt, token: string, leaseUntil: number) =>
  derive(attempt, { leaseOwner: token, leaseUntil, nextAttemptAt: new Date(leaseUntil) });

/** Whether no live lease holds the attempt at `now` (as a new claim sees it). */
const unheld = (attempt: WebhookDeliveryAttempt, now: number): boolean =>
  attempt.leaseOwner === null || attempt.leaseUntil === null || attempt.leaseUntil <= now;

/**
 * The outbox and delivery history in memory (`storage: 'memory'`), over a {@link MemorySubscriptionStore}.
 *
 * Built for the module's throughput: each subscription's history is a list in id order (O(1) append,
 * trimming costs what it drops), pending attempts are also in a queue by due time (claims and the pending
 * summary never look at resolved history), and every attempt is found by id in O(1). Attempts are stored as
 * given — the engine never changes one, it derives new ones — and the store too replaces rather than
 * changes them, so `find` hands out the stored object.
 *
 * Every call completes its change before it returns, so racing claims are serialized by the event loop and
 * never get the same attempt. There is no transaction: `onCommit` runs right after the write, and the
 * `manager` of an {@link OutboxWrite} is ignored.
 */
export class MemoryAttemptStore implements WebhookAttemptStore {
  readonly durable = false;
  private readonly slots = new Map<string, AttemptSlot>();
  private readonly histories = new Map<string, AttemptHistory>();
  private readonly due = new DueAttempts();
  private readonly keys = new OrderingKeys();
  private readonly gate = new DeliveryLimitsGate();

  constructor(private readonly subscriptions: MemorySubscriptionStore) {
    // The history goes with its subscription, as the database's cascade takes it.
    subscriptions.onDeleted((subscriptionId) => this.forget(subscriptionId));
  }

  async insert(rows: readonly WebhookDeliveryAttempt[], write: OutboxWrite): Promise<WebhookDeliveryAttempt[]> {
    const written: WebhookDeliveryAttempt[] = [];
    const added: AttemptSlot[] = [];
    for (const row of rows) {
      const history = this.historyOf(row.subscriptionId);
      if (!history) continue;
      if (this.slots.has(row.id) || history.byMessage.has(row.messageId)) {
        if (write.ignoreDuplicates) continue;
        // As a failed INSERT: none of the rows is written.
        for (const slot of added) this.drop(slot);
        throw new Error(
          `A webhook delivery attempt with the id "${row.id}" or the message "${row.messageId}" for subscription "${row.subscriptionId}" is stored already.`,
        );
      }
      const slot = history.add(row);
      this.slots.set(row.id, slot);
      if (row.status === 'pending') this.due.add(slot);
      this.keys.add(slot);
      added.push(slot);
      written.push(row);
    }
    write.onCommit(written);
    return written;
  }

  async claimDue(
    now: number,
    limit: number,
    token: string,
    leaseUntil: number,
    rules: ClaimRules = {},
  ): Promise<WebhookDeliveryAttempt[]> {
    const claimed: AttemptSlot[] = [];
    const passed: AttemptSlot[] = [];
    const counted = new Map<string, number>();
    // Taken out while looked at, put back afterwards: a claimed attempt is due again only at `leaseUntil`.
    for (
      let slot = this.due.peek();
      slot !== undefined && slot.due <= now && claimed.length < limit;
      slot = this.due.peek()
    ) {
      this.due.remove(slot);
      if (
        unheld(slot.attempt, now) &&
        !this.paused(slot, now) &&
        !this.heldBack(slot, rules) &&
        this.gate.admit(slot, this.subscriptions.current(slot.history.subscriptionId), now, counted)
      ) {
        slot.attempt = leased(slot.attempt, token, leaseUntil);
        claimed.push(slot);
      } else {
        passed.push(slot);
      }
    }
    for (const slot of passed) this.due.add(slot);
    for (const slot of claimed) this.due.add(slot);
    return claimed.map((slot) => slot.attempt);
  }

  async claim(
    ids: readonly string[],
    token: string,
    leaseUntil: number,
    now: number,
    heldBy?: string,
    rules: ClaimRules = {},
  ): Promise<WebhookDeliveryAttempt[]> {
    const claimed: WebhookDeliveryAttempt[] = [];
    const counted = new Map<string, number>();
    for (const id of ids) {
      const slot = this.slots.get(id);
      if (slot?.attempt.status !== 'pending') continue;
      // A new claim passes over attempts of paused subscriptions, however stale the caller's view of them.
      if (
        heldBy === undefined
          ? !unheld(slot.attempt, now) ||
            this.paused(slot, now) ||
            this.heldBack(slot, rules) ||
            !this.gate.admit(slot, this.subscriptions.current(slot.history.subscriptionId), now, counted)
          : slot.attempt.leaseOwner !== heldBy
      )
        continue;
      this.replace(slot, leased(slot.attempt, token, leaseUntil));
      claimed.push(slot.attempt);
    }
    return claimed;
  }

  async renew(held: readonly HeldAttempt[], leaseUntil: number): Promise<number> {
    const renewed = new Set<string>();
    for (const { id, token } of held) {
      const slot = this.slots.get(id);
      if (slot?.attempt.status !== 'pending' || slot.attempt.leaseOwner !== token) continue;
      this.replace(slot, derive(slot.attempt, { leaseUntil, nextAttemptAt: new Date(leaseUntil) }));
      renewed.add(id);
    }
    return renewed.size;
  }

  async release(held: readonly HeldAttempt[], now: number): Promise<void> {
    for (const { id, token } of held) {
      const slot = this.slots.get(id);
      if (slot?.attempt.status !== 'pending' || slot.attempt.leaseOwner !== token) continue;
      this.replace(slot, derive(slot.attempt, { leaseOwner: null, leaseUntil: null, nextAttemptAt: new Date(now) }));
    }
  }

  async recordResults(results: readonly AttemptResult[], failureLimit: number): Promise<RecordedResults> {
    const written = new Set<string>();
    const outcomes = new Map<string, boolean[]>();
    for (const { attempt, leaseToken } of results) {
      const slot = this.slots.get(attempt.id);
      // Fenced: a run whose lease was taken over (or released, or resolved meanwhile) writes nothing.
      if (slot === undefined || slot.attempt.leaseOwner !== leaseToken) continue;
      this.replace(slot, attempt);
      written.add(attempt.id);
      if (attempt.status === 'pending') continue;
      const subscriptionId = slot.history.subscriptionId;
      const list = outcomes.get(subscriptionId);
      if (list) list.push(attempt.status === 'successful');
      else outcomes.set(subscriptionId, [attempt.status === 'successful']);
    }
    const failing = outcomes.size > 0 ? this.subscriptions.countDeliveryOutcomes(outcomes, failureLimit) : [];
    return { written, failing, resolvedFor: [...outcomes.keys()] };
  }

  async trim(subscriptionIds: readonly string[], limit: number): Promise<number> {
    let dropped = 0;
    for (const id of new Set(subscriptionIds)) {
      dropped +=
        this.histories.get(id)?.trim(limit, (slot) => {
          this.slots.delete(slot.attempt.id);
          this.keys.remove(slot);
        }) ?? 0;
    }
    return dropped;
  }

  async trimResolvedBefore(resolvedBefore: number, limit: number): Promise<number> {
    // Resolved attempts older than the cutoff, oldest resolved first, as the database's index gives them.
    const old: AttemptSlot[] = [];
    for (const slot of this.slots.values()) {
      const { status, resolvedAt } = slot.attempt;
      if (status !== 'pending' && resolvedAt !== null && resolvedAt.getTime() < resolvedBefore) old.push(slot);
    }
    old.sort((a, b) => a.attempt.resolvedAt!.getTime() - b.attempt.resolvedAt!.getTime());
    const dropped = old.slice(0, limit);
    for (const slot of dropped) this.drop(slot);
    return dropped.length;
  }

  async rearm(id: string, now: number, onCommit: () => void): Promise<boolean> {
    const slot = this.slots.get(id);
    if (!slot) return false;
    const { status, leaseOwner, leaseUntil } = slot.attempt;
    // Refused while a live lease holds it: a try of it is under way.
    if (status === 'pending' && leaseOwner !== null && (leaseUntil === null || leaseUntil > now)) return false;
    this.replace(slot, rearmed(slot.attempt, now));
    onCommit();
    return true;
  }

  async replay(filter: AttemptReplayFilter, now: number, onCommit: () => void): Promise<number> {
    const histories =
      filter.subscriptionId === undefined
        ? [...this.histories.values()].filter((history) => this.subscriptions.current(history.subscriptionId)?.active)
        : [this.histories.get(filter.subscriptionId)].filter((history) => history !== undefined);
    let count = 0;
    for (const history of histories) {
      for (const slot of history.oldestFirst()) {
        const { status, createdAt } = slot.attempt;
        if (status !== filter.status || (filter.since !== undefined && createdAt.getTime() < filter.since)) continue;
        this.replace(slot, rearmed(slot.attempt, now));
        count++;
      }
    }
    if (count > 0) onCommit();
    return count;
  }

  async find(id: string): Promise<WebhookDeliveryAttempt | null> {
    return this.slots.get(id)?.attempt ?? null;
  }

  async list(subscriptionId: string, query: AttemptListQuery): Promise<WebhookDeliveryAttempt[]> {
    const page: WebhookDeliveryAttempt[] = [];
    const history = this.histories.get(subscriptionId);
    if (!history) return page;
    for (const { attempt } of history.newestFirst()) {
      if (
        (query.before !== undefined && attempt.id >= query.before) ||
        (query.status !== undefined && attempt.status !== query.status) ||
        (query.since !== undefined && attempt.createdAt.getTime() < query.since)
      ) {
        continue;
      }
      page.push(attempt);
      // One more than the page says that there is a next one.
      if (page.length > query.limit) break;
    }
    return page;
  }

  async pendingSummary(now: number): Promise<PendingAttemptsSummary> {
    const first = this.due.peek();
    return {
      pending: this.due.size,
      due: this.due.countDue(now, (slot) => slot.attempt.leaseUntil === null || slot.attempt.leaseUntil <= now),
      nextAttemptAt: first === undefined || first.due === Number.POSITIVE_INFINITY ? null : new Date(first.due),
    };
  }

  async dueBacklog(now: number): Promise<DueBacklog> {
    let oldest = Number.POSITIVE_INFINITY;
    const due = this.due.countDue(now, (slot) => {
      if (!unheld(slot.attempt, now)) return false;
      if (slot.due < oldest) oldest = slot.due;
      return true;
    });
    return { due, oldestDueAt: due === 0 ? null : new Date(oldest) };
  }

  /** The history of an existing subscription (made on its first attempt); `undefined` for a deleted one. */
  private historyOf(subscriptionId: string): AttemptHistory | undefined {
    let history = this.histories.get(subscriptionId);
    if (history) return history;
    if (this.subscriptions.current(subscriptionId) === undefined) return undefined;
    this.histories.set(subscriptionId, (history = new AttemptHistory(subscriptionId)));
    return history;
  }

  /** Whether an earlier attempt of the same ordering key holds this one back (see `claimDue`). */
  private heldBack(slot: AttemptSlot, rules: ClaimRules): boolean {
    if (slot.attempt.orderingKey === null || slot.attempt.orderingKey === undefined) return false;
    const changedAt = this.subscriptions.current(slot.history.subscriptionId)?.updatedAt.getTime() ?? 0;
    return this.keys.heldBack(slot, rules.orderedFailure ?? 'skip', changedAt);
  }

  private paused(slot: AttemptSlot, now: number): boolean {
    const pausedUntil = this.subscriptions.current(slot.history.subscriptionId)?.pausedUntil;
    return pausedUntil != null && pausedUntil.getTime() > now;
  }

  /** Stores the new state of an attempt, keeping the due queue and the history's counts in step. */
  private replace(slot: AttemptSlot, next: WebhookDeliveryAttempt): void {
    const wasPending = slot.attempt.status === 'pending';
    const isPending = next.status === 'pending';
    slot.attempt = next;
    if (wasPending && isPending) this.due.update(slot);
    else if (wasPending) {
      this.due.remove(slot);
      slot.history.resolvedOne(slot);
    } else if (isPending) {
      this.due.add(slot);
      slot.history.reopened();
    }
  }

  /** Removes one attempt (an insert undone). */
  private drop(slot: AttemptSlot): void {
    this.due.remove(slot);
    slot.history.remove(slot);
    this.slots.delete(slot.attempt.id);
    this.keys.remove(slot);
  }

  private forget(subscriptionId: string): void {
    this.gate.forget(subscriptionId);
    const history = this.histories.get(subscriptionId);
    if (!history) return;
    for (const slot of history.oldestFirst()) {
      this.due.remove(slot);
      this.slots.delete(slot.attempt.id);
      this.keys.remove(slot);
    }
    this.histories.delete(subscriptionId);
  }
}
