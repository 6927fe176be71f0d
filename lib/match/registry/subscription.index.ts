import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { patternsMatching } from '../../core/events/event-pattern.util';

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
  /**
   * Scope → pattern → the subscriptions holding it: one alone (most patterns of a scope have one
   * subscription, and an array for each would double the index's size), or several in creation order.
   */
  private readonly scopes = new Map<string, Map<string, WebhookSubscription | WebhookSubscription[]>>();
  private readonly byId = new Map<string, WebhookSubscription>();
  private readonly answers = new WeakMap<
    readonly string[],
    { generation: number; byEvent: Map<string, readonly WebhookSubscription[]> }
  >();
  private generation = 0;
  private readonly strings = new Map<string, string>();
  private readonly singlePatterns = new Map<string, string[]>();
  private remembered = 0;

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
    this.share(subscription);
    this.byId.set(subscription.id, subscription);
    this.changed();
    let patterns = this.scopes.get(subscription.scope);
    if (!patterns)
      this.scopes.set(subscription.scope, (patterns = new Map<string, WebhookSubscription | WebhookSubscription[]>()));
    for (const pattern of subscription.events) {
      const held = patterns.get(pattern);
      if (!held) {
        patterns.set(pattern, subscription);
      } else if (!Array.isArray(held)) {
        patterns.set(pattern, held.id < subscription.id ? [held, subscription] : [subscription, held]);
      } else if (held[held.length - 1].id < subscription.id) {
        held.push(subscription);
      } else {
        held.splice(sortedIndex(held, subscription.id), 0, subscription);
      }
    }
  }

  remove(id: string): void {
    const existing = this.byId.get(id);
    if (!existing) return;
    this.byId.delete(id);
    this.changed();
    const { scope, events } = existing;
    const patterns = this.scopes.get(scope)!;
    for (const pattern of events) {
      const held = patterns.get(pattern);
      if (held === existing) {
        patterns.delete(pattern);
      } else if (Array.isArray(held)) {
        const at = held.indexOf(existing);
        if (at >= 0) held.splice(at, 1);
        if (held.length === 1) patterns.set(pattern, held[0]);
      }
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
    let found: WebhookSubscription[] | undefined;
    for (const scope of scopes) {
      const patterns = this.scopes.get(scope);
      if (!patterns) continue;
      for (let k = 0; k < 4; k++) {
        const held = patterns.get(keys[k]);
        if (!held) continue;
        found ??= [];
        if (!Array.isArray(held)) {
          if (!takenEarlier(held, keys, k)) found.push(held);
          continue;
        }
        for (const subscription of held) if (!takenEarlier(subscription, keys, k)) found.push(subscription);
      }
    }
    return found ?? EMPTY;
  }

  /**
   * Makes the subscription's repeated strings — scope, patterns, dialect, owner, status — the index's
   * single copies (rows read from the database each bring their own), and one-pattern lists shared: with
   * many subscriptions in memory, that is much of their size.
   */
  private share(subscription: WebhookSubscription): void {
    const { strings } = this;
    const one = (value: string): string => {
      const known = strings.get(value);
      if (known !== undefined) return known;
      strings.set(value, value);
      return value;
    };
    subscription.scope = one(subscription.scope);
    subscription.dialect = one(subscription.dialect);
    subscription.statusMessage = one(subscription.statusMessage);
    if (subscription.owner !== null) subscription.owner = one(subscription.owner);
    if (subscription.permission !== null) subscription.permission = one(subscription.permission);
    // One-pattern lists repeat (a few hundred event names); longer ones are mostly unique combinations, and
    // a table of them would cost more than it saves.
    const { events } = subscription;
    if (events.length === 1) {
      let shared = this.singlePatterns.get(events[0]);
      if (!shared) this.singlePatterns.set(events[0], (shared = Object.freeze([one(events[0])]) as string[]));
      subscription.events = shared;
    } else {
      subscription.events = Object.freeze(events.map(one)) as string[];
    }
  }

  private changed(): void {
    this.generation++;
    this.remembered = 0;
  }
}

/**
 * Whether a subscription also holds one of the more specific matching patterns `keys[0..before)`, and so
 * was taken for that one already.
 */
function takenEarlier({ events }: WebhookSubscription, keys: readonly string[], before: number): boolean {
  if (events.length === 1) return false;
  for (let k = 0; k < before; k++) if (events.includes(keys[k])) return true;
  return false;
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
