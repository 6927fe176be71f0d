import { In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { WebhookSubscriptionNotFoundError } from '../../core/errors/webhooks.errors';
import { chunks } from '../../core/util/chunks.util';
import { WebhookSubscriptionEvent } from '../../entities/webhook-subscription-event.entity';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { SecretRotation, StaticSyncPlan, WebhookSubscriptionChange } from '../subscription-store.interface';
import type { RegistryLog } from './registry.log';
import { statement, type WebhooksDatabase, type Work } from './webhooks.database';

/** What a unit of work changed, announced once it commits. */
export type Changes = WebhookSubscriptionChange[];

/**
 * The units of work that change subscriptions. Each also logs the change in the registry (version and
 * change log) in the same transaction, and returns what it changed for the store to announce on commit.
 */
export class SubscriptionWork {
  constructor(
    private readonly db: WebhooksDatabase,
    private readonly log: RegistryLog,
  ) {}

  *insert(subscriptions: readonly WebhookSubscription[]): Work<Changes> {
    if (subscriptions.length === 0) return [];
    for (const chunk of chunks(subscriptions, 100)) {
      yield statement(
        this.db.dataSource
          .createQueryBuilder()
          .insert()
          .into(WebhookSubscription)
          .values(chunk as QueryDeepPartialEntity<WebhookSubscription>[]),
      );
    }
    yield* this.insertPatterns(subscriptions);
    yield* this.log.recordChanges(subscriptions.map((s) => s.id));
    return subscriptions.map((subscription) => ({ kind: 'created', subscription }));
  }

  *update(
    id: string,
    changes: Partial<WebhookSubscriptionFields>,
    now: number,
  ): Work<{ next: WebhookSubscription; changes: Changes }> {
    const current = yield* this.locked(id);
    const next = Object.assign(new WebhookSubscription(), current, changes, { updatedAt: new Date(now) });
    yield statement(
      this.db.dataSource
        .createQueryBuilder()
        .update(WebhookSubscription)
        .set({ ...changes, updatedAt: next.updatedAt } as QueryDeepPartialEntity<WebhookSubscription>)
        .where({ id }),
    );
    if (changes.events) {
      yield statement(
        this.db.dataSource.createQueryBuilder().delete().from(WebhookSubscriptionEvent).where({ subscriptionId: id }),
      );
      yield* this.insertPatterns([next]);
    }
    yield* this.log.recordChanges([id]);
    return { next, changes: [{ kind: 'updated', subscription: next, fields: Object.keys(changes) }] };
  }

  *rotate<R>(id: string, rotate: SecretRotation<R>, now: number): Work<{ result: R; changes: Changes }> {
    const current = yield* this.locked(id);
    const { secrets, result } = rotate(current);
    yield statement(
      this.db.dataSource
        .createQueryBuilder()
        .update(WebhookSubscription)
        .set({ secrets, updatedAt: new Date(now) })
        .where({ id }),
    );
    yield* this.log.recordChanges([id]);
    const next = Object.assign(new WebhookSubscription(), current, { secrets, updatedAt: new Date(now) });
    return { result, changes: [{ kind: 'updated', subscription: next, fields: ['secrets'] }] };
  }

  /**
   * Sets `active` if it differs, in one conditional update: of racing callers exactly one changes it (and
   * reports it). Activation also resets the failure counts.
   */
  *setActive(id: string, active: boolean, statusMessage: string, now: number): Work<WebhookSubscription | null> {
    const { affected } = yield statement(
      this.db.dataSource
        .createQueryBuilder()
        .update(WebhookSubscription)
        .set({
          active,
          statusMessage,
          updatedAt: new Date(now),
          ...(active ? { consecutiveFailures: 0, preconditionFailures: 0 } : {}),
        })
        .where('id = :id AND active = :was', { id, was: !active }),
    );
    if (!affected) {
      if (!(yield statement(this.byId(id))).rows.length) throw new WebhookSubscriptionNotFoundError(id);
      return null;
    }
    yield* this.log.recordChanges([id]);
    return this.db.hydrate(WebhookSubscription, 's', (yield statement(this.byId(id))).rows)[0];
  }

  *delete(id: string): Work<WebhookSubscription | null> {
    const [current] = this.db.hydrate(WebhookSubscription, 's', (yield statement(this.byId(id))).rows);
    if (!current) return null;
    const { affected } = yield statement(
      this.db.dataSource.createQueryBuilder().delete().from(WebhookSubscription).where({ id }),
    );
    if (!affected) return null;
    yield* this.log.recordChanges([id]);
    // As it was last: a deleted subscription is no longer active.
    return Object.assign(current, { active: false });
  }

  /** Pauses subscriptions, never shortening a pause already set; returns the ones changed, as stored now. */
  *pause(pauses: ReadonlyMap<string, number>): Work<WebhookSubscription[]> {
    const column = (name: string) => this.db.dataSource.driver.escape(name);
    const changed: string[] = [];
    for (const [id, until] of pauses) {
      const { affected } = yield statement(
        this.db.dataSource
          .createQueryBuilder()
          .update(WebhookSubscription)
          .set({ pausedUntil: new Date(until) })
          .where(`id = :id AND (${column('paused_until')} IS NULL OR ${column('paused_until')} < :until)`, {
            id,
            until,
          }),
      );
      if (affected) changed.push(id);
    }
    if (changed.length === 0) return [];
    yield* this.log.recordChanges(changed);
    return yield* this.byIds(changed);
  }

  /** Adds precondition failures to active subscriptions; returns their totals. */
  *addPreconditionFailures(counts: ReadonlyMap<string, number>): Work<Array<{ id: string; total: number }>> {
    const column = this.db.dataSource.driver.escape('precondition_failures');
    // Ids in order, so that instances counting the same subscriptions lock their rows in the same order.
    const ids = [...counts.keys()].sort();
    for (const id of ids) {
      yield statement(
        this.db.dataSource
          .createQueryBuilder()
          .update(WebhookSubscription)
          .set({ preconditionFailures: () => `${column} + ${Math.trunc(counts.get(id)!)}` })
          .where('id = :id AND active = :active', { id, active: true }),
      );
    }
    const totals: Array<{ id: string; total: number }> = [];
    for (const subscription of yield* this.byIds(ids)) {
      if (subscription.active) totals.push({ id: subscription.id, total: subscription.preconditionFailures });
    }
    return totals;
  }

  /** Applies the plan that `plan` makes of the stored static subscriptions, holding the registry lock. */
  *syncStatic(
    plan: (stored: readonly WebhookSubscription[]) => StaticSyncPlan,
    now: number,
  ): Work<{ plan: StaticSyncPlan; changes: Changes }> {
    // Taking the version row lock first serializes instances that start at the same time: the second one
    // sees what the first one stored.
    yield* this.log.lockRegistry();
    const query = this.db.select(WebhookSubscription, 's').where('s.static_key IS NOT NULL');
    const decided = plan(this.db.hydrate(WebhookSubscription, 's', (yield statement(query)).rows));
    const changes: Changes = yield* this.insert(decided.insert);
    for (const subscription of decided.reset) {
      const { next } = yield* this.update(subscription.id, configuredFields(subscription), now);
      changes.push({ kind: 'reset', subscription: next });
    }
    for (const { id, reason } of decided.deactivate) {
      const subscription = yield* this.setActive(id, false, reason, now);
      if (subscription) changes.push({ kind: 'deactivated', subscription, reason });
    }
    for (const id of decided.delete) {
      const subscription = yield* this.delete(id);
      if (subscription) changes.push({ kind: 'deleted', subscription });
    }
    return { plan: decided, changes };
  }

  /** The given subscriptions as stored now. */
  *byIds(ids: readonly string[]): Work<WebhookSubscription[]> {
    const found: WebhookSubscription[] = [];
    for (const chunk of chunks(ids, 500)) {
      const query = this.db.select(WebhookSubscription, 's').where({ id: In(chunk) });
      found.push(...this.db.hydrate(WebhookSubscription, 's', (yield statement(query)).rows));
    }
    return found;
  }

  private *insertPatterns(subscriptions: readonly WebhookSubscription[]): Work<void> {
    const rows = subscriptions.flatMap((s) =>
      s.events.map((pattern) => ({ subscriptionId: s.id, pattern, scope: s.scope })),
    );
    for (const chunk of chunks(rows, 300)) {
      yield statement(this.db.dataSource.createQueryBuilder().insert().into(WebhookSubscriptionEvent).values(chunk));
    }
  }

  private byId(id: string) {
    return this.db.select(WebhookSubscription, 's').where('s.id = :id', { id });
  }

  private *locked(id: string): Work<WebhookSubscription> {
    const query = this.byId(id);
    // SQLite has no row locks; its writers are serialized anyway.
    if (this.db.kind !== 'sqlite') query.setLock('pessimistic_write');
    const [current] = this.db.hydrate(WebhookSubscription, 's', (yield statement(query)).rows);
    if (!current) throw new WebhookSubscriptionNotFoundError(id);
    return current;
  }
}

/** Everything of a subscription but its identity and creation time: what a reset writes. */
function configuredFields(s: WebhookSubscription): Partial<WebhookSubscriptionFields> {
  return {
    scope: s.scope,
    owner: s.owner,
    events: s.events,
    to: s.to,
    dialect: s.dialect,
    permission: s.permission,
    active: s.active,
    statusMessage: s.statusMessage,
    description: s.description,
    metadata: s.metadata,
    consecutiveFailures: s.consecutiveFailures,
    preconditionFailures: s.preconditionFailures,
    secrets: s.secrets ?? null,
    retry: s.retry,
    pausedUntil: s.pausedUntil,
    staticKey: s.staticKey,
    rateLimit: s.rateLimit,
    maxInFlight: s.maxInFlight,
  };
}
