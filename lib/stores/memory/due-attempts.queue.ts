import type { AttemptSlot } from './attempt-history';

/** The time a pending attempt is queued under; one without a next try is never due (SQL's NULL). */
const dueOf = (slot: AttemptSlot): number => slot.attempt.nextAttemptAt?.getTime() ?? Number.POSITIVE_INFINITY;

/** Earlier due first; ties by id, so that the order is the same every time. */
const before = (a: AttemptSlot, b: AttemptSlot): boolean =>
  a.due < b.due || (a.due === b.due && a.attempt.id < b.attempt.id);

/**
 * The pending attempts of the memory outbox, by when they are due: a binary heap whose entries know their
 * position, so that an attempt resolved, re-leased or dropped leaves or moves in O(log n). Claims and the
 * pending summary look at the pending attempts only, never at the resolved history.
 */
export class DueAttempts {
  private readonly heap: AttemptSlot[] = [];

  /** How many attempts are pending. */
  get size(): number {
    return this.heap.length;
  }

  /** The attempt due first, if any. */
  peek(): AttemptSlot | undefined {
    return this.heap[0];
  }

  add(slot: AttemptSlot): void {
    slot.due = dueOf(slot);
    slot.queued = this.heap.length;
    this.heap.push(slot);
    this.up(slot.queued);
  }

  /** Takes a slot out (it was resolved or dropped); nothing when it is not queued. */
  remove(slot: AttemptSlot): void {
    const at = slot.queued;
    if (at < 0) return;
    slot.queued = -1;
    const last = this.heap.pop()!;
    if (last === slot) return;
    this.heap[at] = last;
    last.queued = at;
    this.up(at);
    this.down(last.queued);
  }

  /** Moves a queued slot to where its attempt's `nextAttemptAt` puts it now. */
  update(slot: AttemptSlot): void {
    slot.due = dueOf(slot);
    this.up(slot.queued);
    this.down(slot.queued);
  }

  /** Counts the queued attempts due at `now` that `claimable` accepts, visiting only those due. */
  countDue(now: number, claimable: (slot: AttemptSlot) => boolean): number {
    let count = 0;
    const stack = this.heap.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const at = stack.pop()!;
      const slot = this.heap[at];
      // Beneath an entry due later, everything is due later.
      if (slot.due > now) continue;
      if (claimable(slot)) count++;
      if (2 * at + 1 < this.heap.length) stack.push(2 * at + 1);
      if (2 * at + 2 < this.heap.length) stack.push(2 * at + 2);
    }
    return count;
  }

  private up(at: number): void {
    const slot = this.heap[at];
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = this.heap[parentAt];
      if (!before(slot, parent)) break;
      this.heap[at] = parent;
      parent.queued = at;
      at = parentAt;
    }
    this.heap[at] = slot;
    slot.queued = at;
  }

  private down(at: number): void {
    const slot = this.heap[at];
    const length = this.heap.length;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= length) break;
      if (child + 1 < length && before(this.heap[child + 1], this.heap[child])) child++;
      if (!before(this.heap[child], slot)) break;
      this.heap[at] = this.heap[child];
      this.heap[at].queued = at;
      at = child;
    }
    this.heap[at] = slot;
    slot.queued = at;
  }
}
