import { isRelatedScope, isWithinScope } from '../../core/scopes/scope-path.util';
import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type { WebhookSubscriptionPage, WebhookSubscriptionQuery } from '../subscription-store.interface';
import { firstAfter, type KeysetMap } from './keyset.map';

/** One page of the subscriptions matching `query`, in id order, as the database store pages them. */
export function listSubscriptions(
  subscriptions: KeysetMap<WebhookSubscription>,
  query: WebhookSubscriptionQuery,
): WebhookSubscriptionPage {
  const ids = subscriptions.ids();
  const patterns = query.patterns === undefined ? undefined : new Set(query.patterns);
  const items: WebhookSubscription[] = [];
  for (let i = firstAfter(ids, query.after); i < ids.length; i++) {
    const s = subscriptions.get(ids[i])!;
    if (
      (query.scope !== undefined && s.scope !== query.scope) ||
      (query.within !== undefined && !isWithinScope(s.scope, query.within)) ||
      (query.related !== undefined && !isRelatedScope(s.scope, query.related)) ||
      (query.owner !== undefined && s.owner !== query.owner) ||
      (query.active !== undefined && s.active !== query.active) ||
      (query.static !== undefined && (s.staticKey !== null) !== query.static) ||
      (patterns !== undefined && !s.events.some((pattern) => patterns.has(pattern)))
    ) {
      continue;
    }
    // One past the page says whether there is a next one.
    if (items.length === query.limit) return { items, last: items[items.length - 1].id };
    items.push(s);
  }
  return { items, last: null };
}

/** The active subscriptions, `pageSize` at a time, in id order (for loading the registry's index). */
// eslint-disable-next-line @typescript-eslint/require-await -- an async generator, as the store interface wants; nothing to wait for in memory
export async function* activeSubscriptionPages(
  subscriptions: KeysetMap<WebhookSubscription>,
  pageSize: number,
): AsyncGenerator<WebhookSubscription[]> {
  let after: string | undefined;
  for (;;) {
    // Continues after the last id looked at: changes made between pages are seen, none is given twice.
    const ids = subscriptions.ids();
    const page: WebhookSubscription[] = [];
    let i = firstAfter(ids, after);
    for (; i < ids.length && page.length < pageSize; i++) {
      const subscription = subscriptions.get(ids[i])!;
      if (subscription.active) page.push(subscription);
    }
    if (page.length > 0) yield page;
    if (i >= ids.length) return;
    after = ids[i - 1];
  }
}
