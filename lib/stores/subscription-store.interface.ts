import type { EntityManager } from 'typeorm';
import type { WebhookSecretList } from '../core/signing/webhook-secret.list';
import type { WebhookSubscription, WebhookSubscriptionFields } from '../entities/webhook-subscription.entity';

/** Injection token of the {@link WebhookSubscriptionStore} the module uses. */
export const WEBHOOK_SUBSCRIPTION_STORE = Symbol('WEBHOOK_SUBSCRIPTION_STORE');

/**
 * A change made through a store, announced to its listeners once it is committed (never when the
 * transaction it joined rolls back). The in-memory index and the lifecycle events follow these.
 */
export type WebhookSubscriptionChange =
  | { kind: 'created'; subscription: WebhookSubscription }
  | { kind: 'updated'; subscription: WebhookSubscription; fields: readonly string[] }
  | { kind: 'activated'; subscription: WebhookSubscription }
  | { kind: 'deactivated'; subscription: WebhookSubscription; reason: string }
  | { kind: 'paused'; subscription: WebhookSubscription }
  | { kind: 'reset'; subscription: WebhookSubscription }
  | { kind: 'deleted'; subscription: WebhookSubscription };

/** The caller's transaction, for reads that must not take a second pooled connection while it holds one. */
export interface WebhookStoreContext {
  /** The EntityManager of the caller's open transaction (stores without transactions ignore it). */
  manager?: EntityManager;
}

/** What {@link WebhookSubscriptionStore.list} returns: already validated filters, one page. */
export interface WebhookSubscriptionQuery {
  /** Exactly this scope. */
  scope?: string;
  /** This scope and every scope beneath it (`/` means every scope). */
  within?: string;
  /** Scopes on this one's branch: itself, its ancestors and the scopes beneath it. */
  related?: string;
  owner?: string;
  active?: boolean;
  /** Subscriptions holding at least one of these stored patterns. */
  patterns?: readonly string[];
  /** Only static subscriptions (`true`) or only the others (`false`). */
  static?: boolean;
  /** Ids after this one (keyset pagination, ascending ids). */
  after?: string;
  /** Page size, 1 to 500. */
  limit: number;
}

/** One page of subscriptions in ascending id order; `last` is the id to continue after, `null` on the last page. */
export interface WebhookSubscriptionPage {
  items: WebhookSubscription[];
  last: string | null;
}

/** The static subscriptions as stored, and what a sync does with them (see {@link WebhookSubscriptionStore.syncStatic}). */
export interface StaticSyncPlan {
  insert: WebhookSubscription[];
  /** Set back to their configured state: active, no failures, not paused. */
  reset: WebhookSubscription[];
  deactivate: Array<{ id: string; reason: string }>;
  delete: string[];
}

/** The rotation of a subscription's secrets, computed from the subscription as locked for the change. */
export type SecretRotation<R> = (current: WebhookSubscription) => { secrets: WebhookSecretList; result: R };

/**
 * Where subscriptions are kept: the module's TypeORM tables, or memory (`storage: 'memory'`). Every
 * implementation passes `subscriptionStoreContract()` of `nestjs-webhooks/testing`.
 *
 * Subscriptions are returned whole, secrets included; the public services strip the secrets. Reads return
 * objects the caller must not change: changes go through the store.
 */
export interface WebhookSubscriptionStore {
  /** Whether what it keeps survives a restart of the application. */
  readonly durable: boolean;
  /** Checks that the store can be used (a missing table is an error saying how to fix it); called at startup. */
  prepare(): Promise<void>;
  /** Listens to the changes made through this store; returns the function that stops listening. */
  onChange(listener: (change: WebhookSubscriptionChange) => void): () => void;

  /** Stores new subscriptions, their patterns and the registry change. */
  insert(subscriptions: readonly WebhookSubscription[]): Promise<void>;
  /**
   * Changes the given fields of a subscription (not `active`, its counts or its secrets).
   * @throws WebhookSubscriptionNotFoundError when it does not exist.
   */
  update(id: string, changes: Partial<WebhookSubscriptionFields>, now: number): Promise<WebhookSubscription>;
  /**
   * Replaces the secrets with what `rotate` computes from the subscription as it is, atomically: concurrent
   * rotations each see the one before. Returns what `rotate` returned.
   * @throws WebhookSubscriptionNotFoundError when it does not exist.
   */
  rotateSecrets<R>(id: string, rotate: SecretRotation<R>, now: number): Promise<R>;
  /**
   * Sets `active` and the status message if `active` differs (activation also resets the failure counts),
   * conditionally, so that of racing callers exactly one sees the change. Returns the changed subscription,
   * or `null` when it was so already.
   * @throws WebhookSubscriptionNotFoundError when it does not exist.
   */
  setActive(id: string, active: boolean, statusMessage: string, now: number): Promise<WebhookSubscription | null>;
  /** Deletes a subscription with its history; returns it as it was last (inactive), or `null` when there was none. */
  delete(id: string): Promise<WebhookSubscription | null>;
  /** Pauses subscriptions until the given times (epoch ms), never shortening a pause; returns those changed. */
  pause(pauses: ReadonlyMap<string, number>): Promise<WebhookSubscription[]>;
  /**
   * Adds precondition failures to active subscriptions and returns their totals (inactive or missing ones
   * are left out).
   */
  addPreconditionFailures(counts: ReadonlyMap<string, number>): Promise<Array<{ id: string; total: number }>>;
  /**
   * Brings the static subscriptions in line with the configuration, atomically (instances starting together
   * are serialized): `plan` is given every stored static subscription and says what to do.
   */
  syncStatic(plan: (stored: readonly WebhookSubscription[]) => StaticSyncPlan, now: number): Promise<StaticSyncPlan>;

  /** A subscription, or `null`. */
  find(id: string): Promise<WebhookSubscription | null>;
  /** The given subscriptions as stored now (missing ones were deleted). */
  findMany(ids: readonly string[], context?: WebhookStoreContext): Promise<WebhookSubscription[]>;
  /** A page of subscriptions matching every filter given. */
  list(query: WebhookSubscriptionQuery): Promise<WebhookSubscriptionPage>;

  /** The registry version: it grows with every change, made through any instance. */
  version(context?: WebhookStoreContext): Promise<number>;
  /**
   * The ids changed after version `since` up to `until`, or `null` when the store no longer knows (the
   * caller then loads everything again).
   */
  changesSince(since: number, until: number, context?: WebhookStoreContext): Promise<readonly string[] | null>;
  /** Every active subscription, a page at a time. */
  activePages(context?: WebhookStoreContext): AsyncIterable<WebhookSubscription[]>;
  /** Counts the subscriptions by state at `now` (one aggregate read: the metrics read it on collection). */
  countStates(now: number): Promise<WebhookSubscriptionStates>;
}

/** How many subscriptions are in each state; each subscription counts in one. */
export interface WebhookSubscriptionStates {
  /** Active, not paused. */
  active: number;
  /** Deactivated (by a person or a rule). */
  inactive: number;
  /** Active, but paused at `now` because their target asked to be sent less. */
  paused: number;
}
