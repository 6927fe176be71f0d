import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { patternsMatching } from './event-pattern';

/** A subscription in the index, with the mark that keeps it from being taken twice in one answer. */
interface Entry {
  subscription: WebhookSubscription;
  mark: number;
}

/** Subscription references the answer cache may hold in all (about 8 MB). */
const ANSWER_BUDGET = 1_048_576;

const EMPTY: readonly WebhookSubscription[] = Object.freeze([]);

/**
 * The in-memory index of active subscriptions: scope → pattern → subscriptions (kept in creation order).
 * Matching an event in a lineage of scopes is a handful of map lookups plus the matches themselves,
 * whatever the number of subscriptions; answers are also remembered per (lineage, event) until the next
 * change, since events repeat far more often than subscriptions change.
 */
export class SubscriptionIndex {
  private readonly scopes = new Map<string, Map<string, Entry[]>>();
  private readonly byId = new Map<string, Entry>();
  private readonly answers = new WeakMap<readonly string[], { generation: number; byEvent: Map<string, readonly WebhookSubscription[]> }>();
  private generation = 0;
  private remembered = 0;
  private mark = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): WebhookSubscription | undefined {
    return this.byId.get(id)?.subscription;
  }

  *values(): IterableIterator<WebhookSubscription> {
    for (const entry of this.byId.values()) yield entry.subscription;
  }

  /** Adds or replaces a subscription; an inactive one is removed instead. */
  put(subscription: WebhookSubscription): void {
    this.remove(subscription.id);
    if (!subscription.active) return;
    const entry: Entry = { subscription, mark: 0 };
    this.byId.set(subscription.id, entry);
    this.changed();
    let patterns = this.scopes.get(subscription.scope);
    if (!patterns) this.scopes.set(subscription.scope, (patterns = new Map()));
    for (const pattern of subscription.events) {
      const list = patterns.get(pattern);
      if (!list) patterns.set(pattern, [entry]);
      else if (list[list.length - 1].subscription.id < subscription.id) list.push(entry);
      else list.splice(sortedIndex(list, subscription.id), 0, entry);
    }
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    this.changed();
    const { scope, events } = entry.subscription;
    const patterns = this.scopes.get(scope)!;
    for (const pattern of events) {
      const list = patterns.get(pattern);
      if (!list) continue;
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) patterns.delete(pattern);
    }
    if (patterns.size === 0) this.scopes.delete(scope);
  }

  clear(): void {
    this.scopes.clear();
    this.byId.clear();
    this.changed();
  }

  /**
   * The active subscriptions whose patterns match `event`, in the given scopes (nearest first), each
   * once, in a fixed order: scope by scope; within a scope by the most specific matching pattern (the name,
   * then `noun.*`, `*.verb`, `*`), then by creation. The result must not be modified.
   */
  match(event: string, scopes: readonly string[]): readonly WebhookSubscription[] {
    let cache = this.answers.get(scopes);
    if (!cache || cache.generation !== this.generation) {
      cache = { generation: this.generation, byEvent: new Map() };
      this.answers.set(scopes, cache);
    }
    let found = cache.byEvent.get(event);
    if (found) return found;
    found = this.lookup(event, scopes);
    // Within the budget the first answers are kept; the rest are computed each time until the next change.
    if (this.remembered + found.length + 1 <= ANSWER_BUDGET) {
      this.remembered += found.length + 1;
      cache.byEvent.set(event, found);
    }
    return found;
  }

  private lookup(event: string, scopes: readonly string[]): readonly WebhookSubscription[] {
    const keys = patternsMatching(event);
    const mark = ++this.mark;
    let found: WebhookSubscription[] | undefined;
    for (const scope of scopes) {
      const patterns = this.scopes.get(scope);
      if (!patterns) continue;
      for (const key of keys) {
        const list = patterns.get(key);
        if (!list) continue;
        found ??= [];
        for (const entry of list) {
          // A subscription holding several matching patterns is taken for the most specific one only.
          if (entry.mark === mark) continue;
          entry.mark = mark;
          found.push(entry.subscription);
        }
      }
    }
    return found ?? EMPTY;
  }

  private changed(): void {
    this.generation++;
    this.remembered = 0;
  }
}

function sortedIndex(list: Entry[], id: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid].subscription.id < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
