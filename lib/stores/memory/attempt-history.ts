import type { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';

/** Where the memory outbox keeps one attempt: its current state and its places in the indexes. */
export interface AttemptSlot {
  /** The attempt as stored now (replaced, never changed in place). */
  attempt: WebhookDeliveryAttempt;
  readonly history: AttemptHistory;
  /** Its position in the history's list. */
  index: number;
  /** Its position in the due queue; -1 unless pending. */
  queued: number;
  /** The time (epoch ms) it is queued under: its `nextAttemptAt`. */
  due: number;
}

/** Leading free positions past which the list is compacted (when they are also half of it). */
const COMPACT_AFTER = 64;

/**
 * One subscription's attempts in id order (ids are time-ordered, so this is creation order): appending is
 * O(1) in the usual case of a newer id, and trimming the oldest resolved ones costs only what it drops —
 * it resumes where the previous trim stopped, before which no resolved attempt is left, so pending ones
 * waiting at the front are passed over once, not at every trim. Removed positions are left empty and
 * reclaimed in bulk.
 */
export class AttemptHistory {
  /** Resolved (successful or failed) attempts held. */
  resolved = 0;
  /** The attempts by message id: (message, subscription) is unique, as on the database. */
  readonly byMessage = new Map<string, AttemptSlot>();
  private slots: Array<AttemptSlot | undefined> = [];
  /** Positions before this one are empty. */
  private head = 0;
  /** Empty positions at or after `head`. */
  private holes = 0;
  /** No resolved attempt lies before this position: the next trim starts here. */
  private trimFrom = 0;
  /** The greatest id ever added: a newer one is appended, an older one put in its place. */
  private newest = '';

  constructor(readonly subscriptionId: string) {}

  /** Adds an attempt; returns its slot. */
  add(attempt: WebhookDeliveryAttempt): AttemptSlot {
    const slot: AttemptSlot = { attempt, history: this, index: this.slots.length, queued: -1, due: 0 };
    if (attempt.id > this.newest) {
      this.slots.push(slot);
      this.newest = attempt.id;
    } else {
      this.insertInOrder(slot);
    }
    if (attempt.status !== 'pending') this.resolved++;
    this.byMessage.set(attempt.messageId, slot);
    return slot;
  }

  /** Removes one attempt (an insert undone). */
  remove(slot: AttemptSlot): void {
    this.free(slot);
    this.reclaim();
  }

  /** Notes that a pending attempt was resolved: it counts toward the limit, and a trim must look at it. */
  resolvedOne(slot: AttemptSlot): void {
    this.resolved++;
    if (slot.index < this.trimFrom) this.trimFrom = slot.index;
  }

  /** Notes that a resolved attempt is pending again. */
  reopened(): void {
    this.resolved--;
  }

  /** Drops the oldest resolved attempts beyond `limit` (pending ones stay), telling `dropped` of each. */
  trim(limit: number, dropped: (slot: AttemptSlot) => void): number {
    let count = 0;
    let i = Math.max(this.trimFrom, this.head);
    for (; this.resolved > limit && i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot === undefined || slot.attempt.status === 'pending') continue;
      this.free(slot);
      dropped(slot);
      count++;
    }
    this.trimFrom = i;
    this.reclaim();
    return count;
  }

  /** Every attempt, oldest first. */
  *oldestFirst(): IterableIterator<AttemptSlot> {
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot !== undefined) yield slot;
    }
  }

  /** Every attempt, newest first. */
  *newestFirst(): IterableIterator<AttemptSlot> {
    for (let i = this.slots.length - 1; i >= this.head; i--) {
      const slot = this.slots[i];
      if (slot !== undefined) yield slot;
    }
  }

  private free(slot: AttemptSlot): void {
    this.slots[slot.index] = undefined;
    this.holes++;
    if (slot.attempt.status !== 'pending') this.resolved--;
    if (this.byMessage.get(slot.attempt.messageId) === slot) this.byMessage.delete(slot.attempt.messageId);
  }

  /** Moves `head` past empty positions, and compacts the list once they are many. */
  private reclaim(): void {
    while (this.head < this.slots.length && this.slots[this.head] === undefined) {
      this.head++;
      this.holes--;
    }
    const free = this.head + this.holes;
    if (free > COMPACT_AFTER && free * 2 > this.slots.length) this.compact();
  }

  private compact(): void {
    const kept: AttemptSlot[] = [];
    let trimFrom = 0;
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot === undefined) continue;
      slot.index = kept.length;
      kept.push(slot);
      if (i < this.trimFrom) trimFrom = kept.length;
    }
    this.slots = kept;
    this.head = 0;
    this.holes = 0;
    this.trimFrom = trimFrom;
  }

  /**
   * An id older than the newest: ids are made when an event is raised and written when its transaction
   * commits, so transactions committing out of order add them out of order. Rare, so O(n) is fine.
   */
  private insertInOrder(slot: AttemptSlot): void {
    this.compact();
    const id = slot.attempt.id;
    let low = 0;
    let high = this.slots.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.slots[middle]!.attempt.id < id) low = middle + 1;
      else high = middle;
    }
    this.slots.splice(low, 0, slot);
    for (let i = low; i < this.slots.length; i++) this.slots[i]!.index = i;
    if (low < this.trimFrom) this.trimFrom = low;
  }
}
