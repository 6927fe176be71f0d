import { WebhookSubscriptionNotFoundError } from '../../core/errors/webhooks.errors';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type {
  SecretRotation,
  StaticSyncPlan,
  WebhookSubscriptionChange,
  WebhookSubscriptionPage,
  WebhookSubscriptionQuery,
  WebhookSubscriptionStates,
  WebhookSubscriptionStore,
} from '../subscription-store.interface';
import { KeysetMap } from './keyset.map';
import { RegistryChangeLog } from './registry-change.log';
import { activeSubscriptionPages, listSubscriptions } from './subscription.queries';

type Listener = (change: WebhookSubscriptionChange) => void;

/** A copy of a subscription with `changes`: objects already handed out never change. */
function derive(current: WebhookSubscription, changes: Partial<WebhookSubscriptionFields>): WebhookSubscription {
  return Object.assign(new WebhookSubscription(), current, changes);
}

/**
 * Subscriptions kept in memory (`storage: 'memory'`): for tests and single-instance applications that do not
 * need them to survive a restart. Every call completes its change before it returns (there is no transaction
 * to wait for), so racing calls are serialized by the event loop: the conditional operations (`setActive`,
 * `rotateSecrets`, `syncStatic`) are atomic by construction.
 *
 * Stored objects are never changed in place: every change stores a new object, so the subscriptions held by
 * the registry's index, by events already emitted or by a caller stay as they were when handed out.
 * Changes are announced to the `onChange` listeners synchronously, once the state is updated.
 *
 * The {@link MemoryAttemptStore} built over this store keeps the delivery history; it learns of deletions
 * through {@link onDeleted} and changes failure counts only through {@link countDeliveryOutcomes}.
 */
export class MemorySubscriptionStore implements WebhookSubscriptionStore {
  readonly durable = false;
  private readonly subscriptions = new KeysetMap<WebhookSubscription>();
  private readonly log = new RegistryChangeLog(this.changeLogLimit);
  // Copy on write: a listener that stops listening while changes are announced does not disturb the loop.
  private listeners: readonly Listener[] = [];
  private deletionHooks: ReadonlyArray<(subscriptionId: string) => void> = [];

  /** How many versions the change log keeps for {@link changesSince}; callers further behind reload everything. */
  protected get changeLogLimit(): number {
    return 10_000;
  }

  /** Subscriptions per page of {@link activePages}. */
  protected get activePageSize(): number {
    return 5_000;
  }

  async prepare(): Promise<void> {}

  onChange(listener: Listener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((known) => known !== listener);
    };
  }

  async insert(subscriptions: readonly WebhookSubscription[]): Promise<void> {
    if (subscriptions.length === 0) return;
    const ids = new Set<string>();
    for (const { id } of subscriptions) {
      if (this.subscriptions.has(id) || ids.has(id))
        throw new Error(`A webhook subscription with the id "${id}" is stored already.`);
      ids.add(id);
    }
    // Copies: the caller keeps the object it built, and may change it.
    const stored = subscriptions.map((subscription) => derive(subscription, {}));
    for (const subscription of stored) this.subscriptions.set(subscription.id, subscription);
    this.commit(stored.map((subscription) => ({ kind: 'created', subscription })));
  }

  async update(id: string, changes: Partial<WebhookSubscriptionFields>, now: number): Promise<WebhookSubscription> {
    const next = derive(this.get(id), { ...changes, id, updatedAt: new Date(now) });
    this.subscriptions.set(id, next);
    this.commit([{ kind: 'updated', subscription: next, fields: Object.keys(changes) }]);
    return next;
  }

  async rotateSecrets<R>(id: string, rotate: SecretRotation<R>, now: number): Promise<R> {
    // Read, computed and written in one turn of the event loop: a racing rotation sees this one.
    const current = this.get(id);
    const { secrets, result } = rotate(current);
    const next = derive(current, { secrets, updatedAt: new Date(now) });
    this.subscriptions.set(id, next);
    this.commit([{ kind: 'updated', subscription: next, fields: ['secrets'] }]);
    return result;
  }

  async setActive(
    id: string,
    active: boolean,
    statusMessage: string,
    now: number,
  ): Promise<WebhookSubscription | null> {
    const next = this.activeChanged(this.get(id), active, statusMessage, now);
    if (next === null) return null;
    this.subscriptions.set(id, next);
    this.commit([
      active
        ? { kind: 'activated', subscription: next }
        : { kind: 'deactivated', subscription: next, reason: statusMessage },
    ]);
    return next;
  }

  async delete(id: string): Promise<WebhookSubscription | null> {
    const current = this.subscriptions.get(id);
    if (!current) return null;
    this.remove(id);
    // As it was last: a deleted subscription is no longer active.
    const deleted = derive(current, { active: false });
    this.commit([{ kind: 'deleted', subscription: deleted }]);
    return deleted;
  }

  async pause(pauses: ReadonlyMap<string, number>): Promise<WebhookSubscription[]> {
    const paused: WebhookSubscription[] = [];
    for (const [id, until] of pauses) {
      const current = this.subscriptions.get(id);
      // Never shortened: a later, shorter Retry-After does not end a pause another answer asked for.
      if (!current || (current.pausedUntil !== null && current.pausedUntil.getTime() >= until)) continue;
      const next = derive(current, { pausedUntil: new Date(until) });
      this.subscriptions.set(id, next);
      paused.push(next);
    }
    this.commit(paused.map((subscription) => ({ kind: 'paused', subscription })));
    return paused;
  }

  async addPreconditionFailures(counts: ReadonlyMap<string, number>): Promise<Array<{ id: string; total: number }>> {
    const totals: Array<{ id: string; total: number }> = [];
    for (const [id, added] of counts) {
      const current = this.subscriptions.get(id);
      if (!current?.active) continue;
      const total = current.preconditionFailures + Math.trunc(added);
      if (total !== current.preconditionFailures)
        this.subscriptions.set(id, derive(current, { preconditionFailures: total }));
      totals.push({ id, total });
    }
    // Counts are not registry changes (as on the database): the index does not follow them.
    return totals;
  }

  async syncStatic(
    plan: (stored: readonly WebhookSubscription[]) => StaticSyncPlan,
    now: number,
  ): Promise<StaticSyncPlan> {
    const decided = plan([...this.subscriptions.values()].filter((subscription) => subscription.staticKey !== null));
    // Checked before anything changes, so that a plan that cannot be applied changes nothing.
    const inserted = new Set<string>();
    for (const { id } of decided.insert) {
      if (this.subscriptions.has(id) || inserted.has(id))
        throw new Error(`A webhook subscription with the id "${id}" is stored already.`);
      inserted.add(id);
    }
    for (const { id } of [...decided.reset, ...decided.deactivate]) this.get(id);

    const changes: WebhookSubscriptionChange[] = [];
    for (const given of decided.insert) {
      const subscription = derive(given, {});
      this.subscriptions.set(subscription.id, subscription);
      changes.push({ kind: 'created', subscription });
    }
    for (const given of decided.reset) {
      // The configured state as the plan gives it; the identity and creation time stay the stored ones.
      const { createdAt } = this.get(given.id);
      const subscription = derive(given, { createdAt, updatedAt: new Date(now) });
      this.subscriptions.set(subscription.id, subscription);
      changes.push({ kind: 'reset', subscription });
    }
    for (const { id, reason } of decided.deactivate) {
      const subscription = this.activeChanged(this.get(id), false, reason, now);
      if (subscription === null) continue;
      this.subscriptions.set(id, subscription);
      changes.push({ kind: 'deactivated', subscription, reason });
    }
    for (const id of decided.delete) {
      const subscription = this.subscriptions.get(id);
      if (!subscription) continue;
      this.remove(id);
      changes.push({ kind: 'deleted', subscription: derive(subscription, { active: false }) });
    }
    this.commit(changes);
    return decided;
  }

  async find(id: string): Promise<WebhookSubscription | null> {
    return this.subscriptions.get(id) ?? null;
  }

  async findMany(ids: readonly string[]): Promise<WebhookSubscription[]> {
    const found: WebhookSubscription[] = [];
    for (const id of new Set(ids)) {
      const subscription = this.subscriptions.get(id);
      if (subscription) found.push(subscription);
    }
    return found;
  }

  async list(query: WebhookSubscriptionQuery): Promise<WebhookSubscriptionPage> {
    return listSubscriptions(this.subscriptions, query);
  }

  async version(): Promise<number> {
    return this.log.version;
  }

  async changesSince(since: number, until: number): Promise<readonly string[] | null> {
    return this.log.changesSince(since, until);
  }

  async countStates(now: number): Promise<WebhookSubscriptionStates> {
    const states: WebhookSubscriptionStates = { active: 0, inactive: 0, paused: 0 };
    for (const s of this.subscriptions.values()) {
      if (!s.active) states.inactive++;
      else if (s.pausedUntil !== null && s.pausedUntil.getTime() > now) states.paused++;
      else states.active++;
    }
    return states;
  }

  activePages(): AsyncGenerator<WebhookSubscription[]> {
    return activeSubscriptionPages(this.subscriptions, this.activePageSize);
  }

  /**
   * The subscription as stored now, read at once (the attempt store checks existence and pauses with it).
   * @internal
   */
  current(id: string): WebhookSubscription | undefined {
    return this.subscriptions.get(id);
  }

  /**
   * Applies delivery outcomes to the consecutive-failure counts — `outcomes` maps a subscription id to its
   * newly resolved attempts in order, `true` for a success: a success resets the count, failures after the
   * last success add up — and returns the active subscriptions whose count reached `limit` with a failure
   * among these. Not a registry change (as on the database), so nothing is announced.
   * @internal
   */
  countDeliveryOutcomes(outcomes: ReadonlyMap<string, readonly boolean[]>, limit: number): string[] {
    const failing: string[] = [];
    for (const [id, results] of outcomes) {
      const current = this.subscriptions.get(id);
      if (!current) continue;
      const lastSuccess = results.lastIndexOf(true);
      const trailing = results.length - 1 - lastSuccess;
      const count = lastSuccess >= 0 ? trailing : current.consecutiveFailures + trailing;
      if (count !== current.consecutiveFailures)
        this.subscriptions.set(id, derive(current, { consecutiveFailures: count }));
      if (trailing > 0 && current.active && count >= limit) failing.push(id);
    }
    return failing;
  }

  /**
   * Calls `hook` with the id of every subscription deleted, before the deletion is announced: the attempt
   * store drops the history with it, as the database's cascade does. Returns the function that stops it.
   * @internal
   */
  onDeleted(hook: (subscriptionId: string) => void): () => void {
    this.deletionHooks = [...this.deletionHooks, hook];
    return () => {
      this.deletionHooks = this.deletionHooks.filter((known) => known !== hook);
    };
  }

  private get(id: string): WebhookSubscription {
    const current = this.subscriptions.get(id);
    if (!current) throw new WebhookSubscriptionNotFoundError(id);
    return current;
  }

  private activeChanged(
    current: WebhookSubscription,
    active: boolean,
    statusMessage: string,
    now: number,
  ): WebhookSubscription | null {
    if (current.active === active) return null;
    return derive(current, {
      active,
      statusMessage,
      updatedAt: new Date(now),
      ...(active ? { consecutiveFailures: 0, preconditionFailures: 0 } : {}),
    });
  }

  private remove(id: string): void {
    this.subscriptions.delete(id);
    for (const hook of this.deletionHooks) hook(id);
  }

  /** Logs the changed ids under a new version, then announces the changes (the state is updated already). */
  private commit(changes: readonly WebhookSubscriptionChange[]): void {
    if (changes.length === 0) return;
    this.log.record(changes.map((change) => change.subscription.id));
    // Every listener hears every change even when one throws; the first error then reaches the caller,
    // whose change is made (a listener's bug is not a failed write).
    let failure: { error: unknown } | undefined;
    const listeners = this.listeners;
    for (const change of changes) {
      for (const listener of listeners) {
        try {
          listener(change);
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    if (failure) throw failure.error;
  }
}
