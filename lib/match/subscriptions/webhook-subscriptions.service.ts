import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { Brackets, type DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DialectRegistry } from '../../deliver/dialects/dialect.registry';
import type { WebhookEventCatalog } from '../catalog/webhook-event.catalog';
import { WEBHOOK_EVENT_CATALOG } from '../catalog/catalog.constants';
import { TransactionHooks } from '../../stores/typeorm/transaction-hooks.subscriber';
import { WebhookDestinationGuard } from '../../deliver/destination.guard';
import { statement, WebhooksDatabase, type Work } from '../../stores/typeorm/webhooks-database';
import { WebhookSubscriptionEvent } from '../../entities/webhook-subscription-event.entity';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import {
  WebhookOperationNotAllowedError,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
} from '../../core/errors/webhooks.errors';
import { transientSubscriptionMessage } from '../../core/errors/webhooks.messages';
import { WebhookEvents } from '../../core/events/webhook-events.constants';
import type {
  CreatedWebhookSubscription,
  CreateWebhookSubscriptionInput,
  DeleteForOwnerOptions,
  ListWebhookSubscriptionsFilter,
  RotatedWebhookSecret,
  RotateWebhookSecretInput,
  UpdateWebhookSubscriptionInput,
  WebhookPage,
} from './subscription-input.interface';
import { parseRetryPolicy } from '../../core/retry/retry.policy';
import { isEventName, isEventPattern, normalizeEventPatterns, patternsMatching } from '../../core/events/event-pattern.util';
import { RegistryStore } from '../../stores/typeorm/registry.store';
import { WebhookRegistry } from '../registry/webhook-registry.service';
import { resourceOf } from '../../raise/webhook-resource.decorator';
import { assertScope, isWithinScope } from '../../core/scopes/scope-path.util';
import { WebhookScope } from '../../core/scopes/webhook-scope.context';
import { chunks } from '../../core/util/chunks.util';
import { decodeCursor, encodeCursor, pageLimit } from '../../core/util/cursor.util';
import { newId } from '../../core/util/ids.util';
import { isLookupId } from '../../core/util/storable-text.util';
import {
  ACTIVE_STATUS_MESSAGE,
  ROOT_SCOPE,
  WEBHOOKS_EVENT_EMITTER,
  WEBHOOKS_MODULE_OPTIONS,
} from '../../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import { ScopedWebhookSubscriptions } from './scoped-webhook-subscriptions.view';
import { dialectName, metadataObject, optionalText, rejectUnknownFields } from './subscription-input.validation';
import { ownerRemovalSelector } from '../authorization/owner-removal.selector';
import { assertTargetUrl } from '../../core/security/target-url.util';
import { isRelatedScope, relatedScopeFilter } from './related-scope.filter';
import { TransientSubscriptions, isTransientId } from './transient-subscriptions.store';
import { newSubscriptionSecret, rotatedSubscriptionSecret, subscriptionPublicKeys, withoutSecrets } from './subscription-signing.util';

const CREATE_FIELDS = ['to', 'events', 'scope', 'owner', 'permission', 'dialect', 'description', 'metadata', 'secret', 'signing', 'retry'] as const;
const UPDATE_FIELDS = ['to', 'events', 'owner', 'permission', 'dialect', 'description', 'metadata', 'retry'] as const;

/** Subscription input is rejected with the field named (`retry.factor`). */
const invalidField = (field: string, reason: string): never => {
  throw new WebhookValidationError(field, reason);
};

/** The status message of a subscription deactivated by a person. */
export const MANUALLY_DEACTIVATED_MESSAGE = 'Deactivated.';

/**
 * Creates, finds, changes and removes webhook subscriptions (the seed's subscription managers, over every
 * scope). Changes are committed in their own transaction and reach the matching of every instance.
 */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    private readonly db: WebhooksDatabase,
    private readonly store: RegistryStore,
    private readonly registry: WebhookRegistry,
    private readonly transient: TransientSubscriptions,
    private readonly hooks: TransactionHooks,
    private readonly guard: WebhookDestinationGuard,
    private readonly dialects: DialectRegistry,
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {
    this.dataSource = db.dataSource;
  }

  private readonly dataSource: DataSource;

  // A property injected by token: the catalog reaches the dispatcher, whose engine reaches this service.
  @Optional() @Inject(WEBHOOK_EVENT_CATALOG) private readonly catalog?: WebhookEventCatalog;

  /** A view that creates, finds and lists subscriptions in `scope` only. */
  scope(scope: string): ScopedWebhookSubscriptions {
    return new ScopedWebhookSubscriptions(this, assertScope(scope));
  }

  /**
   * Creates an active subscription. The result carries its signing secret (`secret`, and `publicKey` for
   * ed25519): the only time it is shown.
   */
  async create(input: CreateWebhookSubscriptionInput): Promise<CreatedWebhookSubscription> {
    if (typeof input !== 'object' || input === null) throw new WebhookValidationError('body', 'must be an object');
    rejectUnknownFields(input, CREATE_FIELDS);
    const now = new Date(this.options.clock.now());
    const id = newId();
    const { list, created } = newSubscriptionSecret(input, id, now.getTime(), this.options.secrets);
    const subscription = Object.assign(new WebhookSubscription(), {
      id,
      scope: input.scope === undefined ? ROOT_SCOPE : assertScope(input.scope),
      ownerId: optionalText(input.owner, 'owner', 255),
      events: this.checkEvents(input.events),
      to: await this.checkTarget(input.to),
      dialect: this.checkDialect(input.dialect),
      permission: optionalText(input.permission, 'permission', 255),
      active: true,
      statusMessage: ACTIVE_STATUS_MESSAGE,
      description: optionalText(input.description, 'description', 1024),
      metadata: metadataObject(input.metadata),
      consecutiveFailures: 0,
      preconditionFailures: 0,
      secrets: list,
      retryPolicy: parseRetryPolicy(input.retry, 'retry', invalidField),
      pausedUntil: null,
      staticKey: null,
      createdAt: now,
      updatedAt: now,
    } satisfies WebhookSubscriptionFields);
    await this.write(
      () => this.insertAll([subscription]),
      () => this.published([subscription]),
    );
    const { secret, publicKey } = created;
    return Object.assign(withoutSecrets(subscription), publicKey === undefined ? { secret } : { secret, publicKey });
  }

  /**
   * Subscribes to a resource's events — the seed's `subscribe_to_resource`: the subscription is placed in the
   * entity's scope (`@WebhookResource({ scope })`, else the ambient scope, else `/`) and its patterns default
   * to every event of the resource (`contact.*`).
   */
  async subscribeToResource(
    entity: object,
    input: Omit<CreateWebhookSubscriptionInput, 'scope' | 'events'> & { events?: string | string[] },
  ): Promise<WebhookSubscription> {
    const resource = resourceOf(entity);
    if (!resource) throw new WebhookValidationError('entity', 'must be an instance of a class decorated with @WebhookResource()');
    const scope = resource.options.scope?.(entity) ?? WebhookScope.current() ?? ROOT_SCOPE;
    return this.create({ ...input, scope, events: input.events ?? `${resource.name}.*` });
  }

  /** The subscription, or `null`. Static in-memory subscriptions are found too. */
  async find(id: string): Promise<WebhookSubscription | null> {
    if (!isLookupId(id)) return null;
    if (isTransientId(id)) {
      const transient = this.transient.get(id);
      return transient ? withoutSecrets(transient) : null;
    }
    return this.dataSource.getRepository(WebhookSubscription).findOneBy({ id });
  }

  /** The subscription; throws {@link WebhookSubscriptionNotFoundError} when there is none. */
  async get(id: string): Promise<WebhookSubscription> {
    const subscription = await this.find(id);
    if (!subscription) throw new WebhookSubscriptionNotFoundError(String(id));
    return subscription;
  }

  /** The static in-memory subscriptions configured in `forRoot({ subscriptions })`. */
  listStatic(): WebhookSubscription[] {
    return this.transient.all().map((subscription) => withoutSecrets(subscription));
  }

  /** A page of database subscriptions, in creation order. */
  async list(filter: ListWebhookSubscriptionsFilter = {}): Promise<WebhookPage<WebhookSubscription>> {
    const limit = pageLimit(filter.limit);
    const query = this.dataSource
      .getRepository(WebhookSubscription)
      .createQueryBuilder('s')
      .orderBy('s.id', 'ASC')
      .take(limit + 1);
    if (filter.scope !== undefined) query.andWhere('s.scope = :scope', { scope: assertScope(filter.scope, 'scope') });
    if (filter.within !== undefined) {
      const within = assertScope(filter.within, 'within');
      if (within !== ROOT_SCOPE) {
        query.andWhere(
          new Brackets((where) =>
            where.where('s.scope = :within', { within }).orWhere('s.scope LIKE :below', { below: `${within}/%` }),
          ),
        );
      }
    }
    if (filter.related !== undefined) relatedScopeFilter(query, assertScope(filter.related, 'related'));
    if (filter.owner !== undefined) query.andWhere('s.ownerId = :owner', { owner: optionalText(filter.owner, 'owner', 255) });
    if (filter.active !== undefined) {
      if (typeof filter.active !== 'boolean') throw new WebhookValidationError('active', 'must be true or false');
      query.andWhere('s.active = :active', { active: filter.active });
    }
    if (filter.event !== undefined) {
      const patterns = isEventName(filter.event)
        ? patternsMatching(filter.event)
        : isEventPattern(filter.event)
          ? [filter.event]
          : (() => {
              throw new WebhookValidationError('event', 'must be an event name ("contact.create") or pattern ("contact.*")');
            })();
      query.andWhere(
        `s.id IN (${query
          .subQuery()
          .select('e.subscriptionId')
          .from(WebhookSubscriptionEvent, 'e')
          .where('e.pattern IN (:...patterns)')
          .getQuery()})`,
        { patterns },
      );
    }
    if (filter.cursor !== undefined) query.andWhere('s.id > :after', { after: decodeCursor(filter.cursor) });
    const rows = await query.getMany();
    // MySQL compares case-insensitively and LIKE treats "_" as a wildcard: keep the exact matches only.
    const items = rows
      .slice(0, limit)
      .filter(
        (s) =>
          (filter.scope === undefined || s.scope === filter.scope) &&
          (filter.within === undefined || isWithinScope(s.scope, filter.within)) &&
          (filter.related === undefined || isRelatedScope(s.scope, filter.related)) &&
          (filter.owner === undefined || s.ownerId === filter.owner),
      );
    return { items, nextCursor: rows.length > limit ? encodeCursor(rows[limit - 1].id) : null };
  }

  /** Changes the given fields. `active`, `scope` and the id cannot be changed here. */
  async update(id: string, input: UpdateWebhookSubscriptionInput): Promise<WebhookSubscription> {
    if (typeof input !== 'object' || input === null) throw new WebhookValidationError('body', 'must be an object');
    rejectUnknownFields(input, UPDATE_FIELDS);
    const changes: Partial<WebhookSubscription> = {};
    if (input.to !== undefined) changes.to = await this.checkTarget(input.to);
    if (input.events !== undefined) changes.events = this.checkEvents(input.events);
    if (input.owner !== undefined) changes.ownerId = optionalText(input.owner, 'owner', 255);
    if (input.permission !== undefined) changes.permission = optionalText(input.permission, 'permission', 255);
    if (input.dialect !== undefined) changes.dialect = this.checkDialect(input.dialect);
    if (input.description !== undefined) changes.description = optionalText(input.description, 'description', 1024);
    if (input.metadata !== undefined) changes.metadata = metadataObject(input.metadata);
    if (input.retry !== undefined) changes.retryPolicy = parseRetryPolicy(input.retry, 'retry', invalidField);
    this.refuseTransient(id, 'changed');

    const updated = await this.write(
      () => this.updateWork(id, changes),
      (next) => {
        this.registry.apply(next);
        this.emitter.emit(WebhookEvents.subscriptionUpdated, { subscription: next, changes: Object.keys(changes) });
      },
    );
    return withoutSecrets(updated);
  }

  /**
   * Gives the subscription a new signing secret (generated, or the imported `secret`) and returns it,
   * the only time it is shown. The replaced secrets keep signing for `overlapMs` (the module's
   * `secrets.rotationOverlap` by default), every request meanwhile carrying one signature per secret, so
   * that receivers holding either verify; then only the new one signs.
   */
  async rotateSecret(id: string, input: RotateWebhookSecretInput = {}): Promise<RotatedWebhookSecret> {
    this.refuseTransient(id, 'given a new secret');
    const now = this.options.clock.now();
    const { created } = await this.write(
      () => this.rotateWork(id, input, now),
      ({ subscription }) => {
        this.registry.apply(subscription);
        this.emitter.emit(WebhookEvents.subscriptionUpdated, { subscription, changes: ['secrets'] });
      },
    );
    return created.publicKey === undefined ? { secret: created.secret } : { secret: created.secret, publicKey: created.publicKey };
  }

  /** The `whpk_` public keys receivers verify `v1a` signatures with (ed25519 signing), newest first. */
  async publicKeys(id: string): Promise<string[]> {
    if (!isLookupId(id)) throw new WebhookSubscriptionNotFoundError(String(id));
    const subscription = isTransientId(id) ? this.transient.get(id) : (await this.store.loadByIds([id]))[0];
    if (!subscription) throw new WebhookSubscriptionNotFoundError(String(id));
    return subscriptionPublicKeys(subscription, this.options.clock.now(), this.options.secrets);
  }

  /**
   * Activates the subscription, resetting its failure counts and status message. Returns whether it
   * changed (`false` when it was active already).
   */
  async activate(id: string): Promise<boolean> {
    const changed = await this.setActive(id, true, ACTIVE_STATUS_MESSAGE, (subscription) =>
      this.emitter.emit(WebhookEvents.subscriptionActivated, { subscription }),
    );
    return changed !== null;
  }

  /**
   * Deactivates the subscription: no new deliveries are made; its history is kept. Returns whether it
   * changed (`false` when it was inactive already).
   */
  async deactivate(id: string, statusMessage: string = MANUALLY_DEACTIVATED_MESSAGE): Promise<boolean> {
    const message = optionalText(statusMessage, 'statusMessage', 512) ?? MANUALLY_DEACTIVATED_MESSAGE;
    const changed = await this.setActive(id, false, message, (subscription) =>
      this.emitter.emit(WebhookEvents.subscriptionDeactivated, { subscription, reason: message }),
    );
    return changed !== null;
  }

  /** Deletes the subscription and its history (it is deactivated first). Returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    this.refuseTransient(id, 'deleted');
    const removed = await this.write(
      () => this.deleteWork(id),
      (subscription) => {
        if (!subscription) return;
        this.registry.forget(id);
        this.emitter.emit(WebhookEvents.subscriptionDeleted, { subscription });
      },
    );
    return removed !== null;
  }

  /**
   * Deletes the subscriptions owned by `ownerId`, as when the principal is removed: in every scope, or as
   * {@link DeleteForOwnerOptions} limit it (`principalScope`: the seed's lineage rule). Static in-memory
   * subscriptions come from the configuration and are left alone. Returns how many were deleted.
   */
  async deleteForOwner(ownerId: string, options: DeleteForOwnerOptions = {}): Promise<number> {
    const owner = optionalText(ownerId, 'owner', 255);
    if (owner === null) throw new WebhookValidationError('owner', 'must be a principal id');
    const within = options.within === undefined ? undefined : assertScope(options.within, 'within');
    const selected = ownerRemovalSelector(options.principalScope, within);
    let deleted = 0;
    let cursor: string | undefined;
    do {
      const page = await this.list({ owner, within: selected ? undefined : within, limit: 500, cursor });
      for (const subscription of page.items) {
        if ((!selected || selected(subscription.scope)) && (await this.delete(subscription.id))) deleted++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return deleted;
  }

  /** Inserts complete subscriptions, their pattern rows and the registry change (for `create` and the static sync). */
  *insertAll(subscriptions: WebhookSubscription[]): Work<void> {
    if (subscriptions.length === 0) return;
    for (const chunk of chunks(subscriptions, 100)) {
      yield statement(
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(WebhookSubscription)
          .values(chunk as QueryDeepPartialEntity<WebhookSubscription>[]),
      );
    }
    yield* this.insertPatterns(subscriptions);
    yield* this.store.recordChanges(subscriptions.map((s) => s.id));
  }

  /** Tells the index and the listeners about subscriptions committed by {@link insertAll}. */
  published(subscriptions: WebhookSubscription[]): void {
    for (const subscription of subscriptions) {
      this.registry.apply(subscription);
      this.emitter.emit(WebhookEvents.subscriptionCreated, { subscription });
    }
  }

  /**
   * Sets `active` (and the status message) if it differs, in one conditional update so that racing
   * callers see exactly one change. Returns the changed subscription, or `null` when nothing changed.
   */
  async setActive(
    id: string,
    active: boolean,
    statusMessage: string,
    onChanged: (subscription: WebhookSubscription) => void = () => undefined,
  ): Promise<WebhookSubscription | null> {
    const now = this.options.clock.now();
    if (!isLookupId(id)) throw new WebhookSubscriptionNotFoundError(String(id));
    if (isTransientId(id)) {
      const current = this.transient.get(id);
      if (!current) throw new WebhookSubscriptionNotFoundError(id);
      if (current.active === active) return null;
      const next = this.transient.update(
        id,
        { active, statusMessage, ...(active ? { consecutiveFailures: 0, preconditionFailures: 0 } : {}) },
        now,
      )!;
      this.registry.apply(next);
      onChanged(next);
      return next;
    }
    return this.write(
      () => this.setActiveWork(id, active, statusMessage, now),
      (changed) => {
        if (!changed) return;
        this.registry.apply(changed);
        onChanged(changed);
      },
    );
  }

  /**
   * Runs a unit of work and then `after` (index update, events) — once the work is committed: at once, or
   * when the SQLite transaction it joined commits (never if that one rolls back).
   */
  private async write<T>(work: () => Work<T>, after: (result: T) => void): Promise<T> {
    const runner = this.db.transactionRunner();
    const result = await this.db.run(work);
    this.hooks.afterCommit(runner, () => after(result));
    return result;
  }

  /** The conditional update behind {@link setActive}, for use inside a larger unit of work. */
  *setActiveWork(id: string, active: boolean, statusMessage: string, now: number): Work<WebhookSubscription | null> {
    const { affected } = yield statement(
      this.dataSource
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
    yield* this.store.recordChanges([id]);
    return this.db.hydrate(WebhookSubscription, 's', (yield statement(this.byId(id))).rows)[0];
  }

  /**
   * A target's form and addresses: a host resolving to a blocked address is refused now; one that does
   * not resolve (yet) is accepted and verified again before every try, as the seed does.
   */
  private async checkTarget(to: unknown): Promise<string> {
    const target = assertTargetUrl(to, this.options.targets);
    await this.guard.assertAllowed(target, 'to', { allowUnresolvable: true });
    return target;
  }

  /** Event patterns, refused when `strictEventTypes` is on and one matches no cataloged event. */
  private checkEvents(input: unknown): string[] {
    const events = normalizeEventPatterns(input);
    this.catalog?.assertAccepts(events);
    return events;
  }

  private checkDialect(name: unknown): string {
    const dialect = dialectName(name);
    this.dialects.assertKnown(dialect, 'dialect');
    return dialect;
  }

  private *updateWork(id: string, changes: Partial<WebhookSubscription>): Work<WebhookSubscription> {
    const current = yield* this.lockedOrFail(id);
    const next = Object.assign(new WebhookSubscription(), current, changes, { updatedAt: new Date(this.options.clock.now()) });
    yield statement(
      this.dataSource
        .createQueryBuilder()
        .update(WebhookSubscription)
        .set({ ...changes, updatedAt: next.updatedAt } as never)
        .where({ id }),
    );
    if (changes.events) {
      yield statement(this.dataSource.createQueryBuilder().delete().from(WebhookSubscriptionEvent).where({ subscriptionId: id }));
      yield* this.insertPatterns([next]);
    }
    yield* this.store.recordChanges([id]);
    return next;
  }

  private *rotateWork(
    id: string,
    input: RotateWebhookSecretInput,
    now: number,
  ): Work<{ subscription: WebhookSubscription; created: { secret: string; publicKey?: string } }> {
    const current = yield* this.lockedOrFail(id);
    const { list, created } = rotatedSubscriptionSecret(current.secrets, input, id, now, this.options.secrets);
    yield statement(
      this.dataSource
        .createQueryBuilder()
        .update(WebhookSubscription)
        .set({ secrets: list, updatedAt: new Date(now) } as never)
        .where({ id }),
    );
    yield* this.store.recordChanges([id]);
    return { subscription: Object.assign(new WebhookSubscription(), current, { secrets: list, updatedAt: new Date(now) }), created };
  }

  private *deleteWork(id: string): Work<WebhookSubscription | null> {
    const [current] = this.db.hydrate(WebhookSubscription, 's', (yield statement(this.byId(id))).rows);
    if (!current) return null;
    const { affected } = yield statement(this.dataSource.createQueryBuilder().delete().from(WebhookSubscription).where({ id }));
    if (!affected) return null;
    yield* this.store.recordChanges([id]);
    return Object.assign(current, { active: false });
  }

  private *insertPatterns(subscriptions: WebhookSubscription[]): Work<void> {
    const rows = subscriptions.flatMap((s) => s.events.map((pattern) => ({ subscriptionId: s.id, pattern, scope: s.scope })));
    for (const chunk of chunks(rows, 300)) {
      yield statement(this.dataSource.createQueryBuilder().insert().into(WebhookSubscriptionEvent).values(chunk));
    }
  }

  private byId(id: string) {
    return this.db.select(WebhookSubscription, 's').where('s.id = :id', { id });
  }

  private *lockedOrFail(id: string): Work<WebhookSubscription> {
    const query = this.byId(id);
    // SQLite has no row locks; its writers are serialized anyway.
    if (this.db.kind !== 'sqlite') query.setLock('pessimistic_write');
    const [current] = this.db.hydrate(WebhookSubscription, 's', (yield statement(query)).rows);
    if (!current) throw new WebhookSubscriptionNotFoundError(id);
    return current;
  }

  private refuseTransient(id: string, action: string): void {
    // An id that cannot have been stored is not looked up: it would be a database error on PostgreSQL.
    if (!isLookupId(id)) throw new WebhookSubscriptionNotFoundError(String(id));
    if (isTransientId(id)) {
      if (!this.transient.get(id)) throw new WebhookSubscriptionNotFoundError(id);
      throw new WebhookOperationNotAllowedError(transientSubscriptionMessage(id, action));
    }
  }
}


