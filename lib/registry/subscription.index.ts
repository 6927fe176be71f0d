import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { patternsMatching } from './event-pattern';

/**
 * The in-memory index of active subscriptions: scope → pattern → subscriptions (kept in id order, i.e.
 * creation order). Matching an event in a lineage of scopes is a handful of map lookups, whatever the
 * number of subscriptions.
 */
export class SubscriptionIndex {
  private readonly scopes = new Map<string, Map<string, WebhookSubscription[]>>();
  private readonly byId = new Map<string, WebhookSubscription>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): WebhookSubscription | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<WebhookSubscription> {
    return this.byId.values();
  }

  /** Adds or replaces a subscription; an inactive one is removed instead. */
  put(subscription: WebhookSubscription): void {
    this.remove(subscription.id);
    if (!subscription.active) return;
    this.byId.set(subscription.id, subscription);
    let patterns = this.scopes.get(subscription.scope);
    if (!patterns) this.scopes.set(subscription.scope, (patterns = new Map()));
    for (const pattern of subscription.events) {
      const list = patterns.get(pattern);
      if (!list) {
        patterns.set(pattern, [subscription]);
      } else if (list[list.length - 1].id < subscription.id) {
        list.push(subscription);
      } else {
        list.splice(sortedIndex(list, subscription.id), 0, subscription);
      }
    }
  }

  remove(id: string): void {
    const existing = this.byId.get(id);
    if (!existing) return;
    this.byId.delete(id);
    const patterns = this.scopes.get(existing.scope)!;
    for (const pattern of existing.events) {
      const list = patterns.get(pattern);
      if (!list) continue;
      const at = list.indexOf(existing);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) patterns.delete(pattern);
    }
    if (patterns.size === 0) this.scopes.delete(existing.scope);
  }

  clear(): void {
    this.scopes.clear();
    this.byId.clear();
  }

  /**
   * The active subscriptions whose patterns match `event`, in the given scopes (nearest first), each
   * once: scope by scope, and by creation within a scope.
   */
  match(event: string, scopes: readonly string[]): WebhookSubscription[] {
    const keys = patternsMatching(event);
    const result: WebhookSubscription[] = [];
    for (const scope of scopes) {
      const patterns = this.scopes.get(scope);
      if (!patterns) continue;
      let found: WebhookSubscription[] | undefined;
      let lists = 0;
      for (const key of keys) {
        const list = patterns.get(key);
        if (!list) continue;
        lists++;
        found = found ? found.concat(list) : list;
      }
      if (!found) continue;
      if (lists === 1) {
        for (const subscription of found) result.push(subscription);
        continue;
      }
      // Several patterns of one scope matched: merge them in id order, once per subscription.
      const merged = found.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (let i = 0; i < merged.length; i++) {
        if (i === 0 || merged[i] !== merged[i - 1]) result.push(merged[i]);
      }
    }
    return result;
  }
}

function sortedIndex(list: WebhookSubscription[], id: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid].id < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
