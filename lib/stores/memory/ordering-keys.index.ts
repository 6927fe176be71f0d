import type { WebhookOrderedFailure } from '../attempt-store.interface';
import type { AttemptSlot } from './attempt-history';

/**
 * The attempts with an ordering key, per subscription and key, in id (dispatch) order: what the memory
 * outbox's claims look at to hold back a later attempt while an earlier one of its key is pending — or,
 * under `'block'`, failed since the subscription last changed. Entries go when their attempt is trimmed or
 * its subscription deleted; a list is as long as the key's pending attempts plus its kept history.
 */
export class OrderingKeys {
  private readonly lists = new Map<string, AttemptSlot[]>();

  add(slot: AttemptSlot): void {
    const key = keyOf(slot);
    if (key === undefined) return;
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = []));
    let at = list.length;
    // Ids are time-ordered: a new attempt nearly always goes last.
    while (at > 0 && list[at - 1].attempt.id > slot.attempt.id) at--;
    list.splice(at, 0, slot);
  }

  remove(slot: AttemptSlot): void {
    const key = keyOf(slot);
    const list = key === undefined ? undefined : this.lists.get(key);
    if (!list) return;
    const at = list.indexOf(slot);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.lists.delete(key!);
  }

  /**
   * Whether an earlier attempt of the slot's key holds it back; `changedAt` is when its subscription last
   * changed (epoch ms).
   */
  heldBack(slot: AttemptSlot, policy: WebhookOrderedFailure, changedAt: number): boolean {
    const key = keyOf(slot);
    const list = key === undefined ? undefined : this.lists.get(key);
    if (!list) return false;
    for (const earlier of list) {
      if (earlier.attempt.id >= slot.attempt.id) return false;
      const { status, resolvedAt } = earlier.attempt;
      if (status === 'pending') return true;
      if (status === 'failed' && policy === 'block' && (resolvedAt?.getTime() ?? 0) >= changedAt) return true;
    }
    return false;
  }
}

function keyOf(slot: AttemptSlot): string | undefined {
  const { orderingKey } = slot.attempt;
  return orderingKey === null || orderingKey === undefined
    ? undefined
    : `${slot.history.subscriptionId}\n${orderingKey}`;
}
