import { WebhookSubscription } from '../../lib/entities/webhook-subscription.entity';
import { newId } from '../../lib/core/util/ids.util';
import { ROOT_SCOPE } from '../../lib/core/webhooks.constants';
import { pick, seededRandom } from './rng';

/** 40 nouns × 6 verbs = 240 event types. */
export const LOOKUP_NOUNS: readonly string[] = [
  'contact',
  'invoice',
  'order',
  'ticket',
  'payment',
  'refund',
  'customer',
  'product',
  'shipment',
  'coupon',
  'account',
  'user',
  'team',
  'project',
  'task',
  'comment',
  'file',
  'folder',
  'message',
  'channel',
  'meeting',
  'calendar',
  'lead',
  'deal',
  'quote',
  'contract',
  'subscription',
  'plan',
  'seat',
  'license',
  'device',
  'location',
  'warehouse',
  'supplier',
  'purchase',
  'return',
  'review',
  'survey',
  'report',
  'dashboard',
];
export const LOOKUP_VERBS: readonly string[] = ['create', 'update', 'delete', 'archive', 'restore', 'assign'];
export const LOOKUP_EVENT_TYPES: readonly string[] = LOOKUP_NOUNS.flatMap((noun) =>
  LOOKUP_VERBS.map((verb) => `${noun}.${verb}`),
);

/** The scope tree: `/`, 10 `/org{i}`, 100 `/org{i}/dept{j}` and 1,000 leaves `/org{i}/dept{j}/team{k}`. */
export interface ScopeTree {
  /** Every scope: the 1,000 leaves and their 111 ancestors. */
  all: string[];
  /** The 1,000 scopes of depth 3. */
  leaves: string[];
}

export function buildScopeTree(): ScopeTree {
  const all = [ROOT_SCOPE];
  const leaves: string[] = [];
  for (let i = 0; i < 10; i++) {
    all.push(`/org${i}`);
    for (let j = 0; j < 10; j++) {
      all.push(`/org${i}/dept${j}`);
      for (let k = 0; k < 10; k++) leaves.push(`/org${i}/dept${j}/team${k}`);
    }
  }
  all.push(...leaves);
  return { all, leaves };
}

/**
 * One pattern: 75% an exact event name, 10% `noun.*`, 10% `*.verb`, 5% `*` — most subscribers name
 * their events, a few take a family or a verb, and catch-alls (audit sinks) are rare.
 */
function randomPattern(random: () => number): string {
  const roll = random();
  if (roll < 0.75) return pick(random, LOOKUP_EVENT_TYPES);
  if (roll < 0.85) return `${pick(random, LOOKUP_NOUNS)}.*`;
  if (roll < 0.95) return `*.${pick(random, LOOKUP_VERBS)}`;
  return '*';
}

/**
 * `count` active subscriptions spread uniformly over every scope of the tree (leaves and ancestors),
 * each with 1 to 3 patterns (see {@link randomPattern}), in creation (id) order. Seeded: the same
 * `count` and `seed` give the same scopes and patterns.
 */
export function buildSubscriptions(count: number, tree: ScopeTree = buildScopeTree(), seed = 1): WebhookSubscription[] {
  const random = seededRandom(seed);
  const now = new Date(1_764_300_000_000);
  const subscriptions: WebhookSubscription[] = new Array(count);
  for (let n = 0; n < count; n++) {
    const events = new Set<string>();
    const wanted = 1 + Math.floor(random() * 3);
    while (events.size < wanted) events.add(randomPattern(random));
    const subscription = new WebhookSubscription();
    subscription.id = newId();
    subscription.scope = pick(random, tree.all);
    subscription.owner = `user${n % 5000}`;
    subscription.events = [...events];
    subscription.to = `https://hooks${n % 997}.example.com/webhooks/${n}`;
    subscription.dialect = 'default';
    subscription.permission = null;
    subscription.active = true;
    subscription.statusMessage = 'Active';
    subscription.description = null;
    subscription.metadata = null;
    subscription.consecutiveFailures = 0;
    subscription.preconditionFailures = 0;
    subscription.staticKey = null;
    subscription.createdAt = now;
    subscription.updatedAt = now;
    subscriptions[n] = subscription;
  }
  return subscriptions;
}

/** `count` (event name, leaf scope) pairs to look up. */
export function buildLookups(count: number, tree: ScopeTree, seed = 2): Array<{ event: string; scope: string }> {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    event: pick(random, LOOKUP_EVENT_TYPES),
    scope: pick(random, tree.leaves),
  }));
}

/**
 * `count` subscriptions that each take an event type of their own (`thing<n>.create`), spread over every
 * scope of the tree, and `lookups` events each raised for one of them, in a leaf scope within its scope:
 * every event matches exactly one subscription, whatever `count` is.
 */
export function buildOneMatchFleet(
  count: number,
  lookups: number,
  tree: ScopeTree = buildScopeTree(),
  seed = 3,
): { subscriptions: WebhookSubscription[]; lookups: Array<{ event: string; scope: string }> } {
  const random = seededRandom(seed);
  const subscriptions = buildSubscriptions(count, tree, seed);
  const leavesUnder = new Map<string, string[]>();
  for (const scope of tree.all)
    leavesUnder.set(
      scope,
      tree.leaves.filter((leaf) => scope === ROOT_SCOPE || leaf === scope || leaf.startsWith(`${scope}/`)),
    );
  subscriptions.forEach((subscription, n) => (subscription.events = [`thing${n}.create`]));
  return {
    subscriptions,
    lookups: Array.from({ length: lookups }, () => {
      const n = Math.floor(random() * count);
      return { event: `thing${n}.create`, scope: pick(random, leavesUnder.get(subscriptions[n].scope)!) };
    }),
  };
}
