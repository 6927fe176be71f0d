import { Inject, Injectable } from '@nestjs/common';
import {
  WebhookOperationNotAllowedError,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
} from '../../core/errors/webhooks.errors';
import { configuredSubscriptionMessage } from '../../core/errors/webhooks.messages';
import {
  isEventName,
  isEventPattern,
  normalizeEventPatterns,
  patternsMatching,
} from '../../core/events/event-pattern.util';
import { resourceOf } from '../../core/metadata/webhook-resource.metadata';
import { parseRetryPolicy } from '../../core/retry/retry.policy';
import { parseMaxInFlight, parseRateLimit } from '../../core/limits/delivery-limits';
import { assertScope } from '../../core/scopes/scope-path.util';
import { WebhookScope } from '../../core/scopes/webhook-scope.context';
import { decodeCursor, encodeCursor, pageLimit } from '../../core/util/cursor.util';
import { newId } from '../../core/util/ids.util';
import { isLookupId } from '../../core/util/storable-text.util';
import { ACTIVE_STATUS_MESSAGE, MANUALLY_DEACTIVATED_MESSAGE } from '../../core/messages/status.messages';
import { ROOT_SCOPE, WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import { assertTargetUrl } from '../../core/security/target-url.util';
import { WebhookDestinationGuard } from '../../deliver/destination.guard';
import { DialectRegistry } from '../../deliver/dialects/dialect.registry';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import {
  WEBHOOK_SUBSCRIPTION_STORE,
  type WebhookSubscriptionQuery,
  type WebhookSubscriptionStore,
} from '../../stores/subscription-store.interface';
import { ownerRemovalSelector } from '../authorization/owner-removal.selector';
import { WebhookEventCatalog } from '../catalog/webhook-event.catalog';
import { ScopedWebhookSubscriptions } from './scoped-webhook-subscriptions.view';
import { isConfiguredId } from './static-subscription.factory';
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
import { dialectName, metadataObject, optionalText, rejectUnknownFields } from '../../core/util/input-validation.util';
import {
  newSubscriptionSecret,
  rotatedSubscriptionSecret,
  subscriptionPublicKeys,
  withoutSecrets,
} from './subscription-signing.util';

const CREATE_FIELDS = [
  'to',
  'events',
  'scope',
  'owner',
  'permission',
  'dialect',
  'description',
  'metadata',
  'secret',
  'signing',
  'retry',
  'rateLimit',
  'maxInFlight',
] as const;
const UPDATE_FIELDS = [
  'to',
  'events',
  'owner',
  'permission',
  'dialect',
  'description',
  'metadata',
  'retry',
  'rateLimit',
  'maxInFlight',
] as const;

/** Subscription input is rejected with the field named (`retry.factor`). */
const invalidField = (field: string, reason: string): never => {
  throw new WebhookValidationError(field, reason);
};

/**
 * Creates, finds, changes and removes webhook subscriptions, in every scope (`scope('/acme')` gives the view
 * of one). Input is validated here, with the field at fault named; changes are committed by the store and
 * reach the matching of every instance. Results never carry the signing secrets, except the one just created
 * or rotated, shown once.
 */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    private readonly guard: WebhookDestinationGuard,
    private readonly dialects: DialectRegistry,
    private readonly catalog: WebhookEventCatalog,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

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
      owner: optionalText(input.owner, 'owner', 255),
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
      retry: parseRetryPolicy(input.retry, 'retry', invalidField),
      pausedUntil: null,
      staticKey: null,
      rateLimit: parseRateLimit(input.rateLimit, 'rateLimit', invalidField),
      maxInFlight: parseMaxInFlight(input.maxInFlight, 'maxInFlight', invalidField),
      createdAt: now,
      updatedAt: now,
    } satisfies WebhookSubscriptionFields);
    await this.store.insert([subscription]);
    const { secret, publicKey } = created;
    return Object.assign(withoutSecrets(subscription), publicKey === undefined ? { secret } : { secret, publicKey });
  }

  /**
   * Subscribes to a resource's events: the subscription is placed in the entity's scope
   * (`@WebhookResource({ scope })`, else the ambient scope, else `/`) and its patterns default to every event
   * of the resource (`contact.*`).
   */
  async subscribeToResource(
    entity: object,
    input: Omit<CreateWebhookSubscriptionInput, 'scope' | 'events'> & { events?: string | string[] },
  ): Promise<WebhookSubscription> {
    const resource = resourceOf(entity);
    if (!resource)
      throw new WebhookValidationError('entity', 'must be an instance of a class decorated with @WebhookResource()');
    const scope = resource.options.scope?.(entity) ?? WebhookScope.current() ?? ROOT_SCOPE;
    return this.create({ ...input, scope, events: input.events ?? `${resource.name}.*` });
  }

  /** The subscription, or `null`. */
  async find(id: string): Promise<WebhookSubscription | null> {
    if (!isLookupId(id)) return null;
    const found = await this.store.find(id);
    return found ? withoutSecrets(found) : null;
  }

  /** The subscription; throws {@link WebhookSubscriptionNotFoundError} when there is none. */
  async get(id: string): Promise<WebhookSubscription> {
    const subscription = await this.find(id);
    if (!subscription) throw new WebhookSubscriptionNotFoundError(String(id));
    return subscription;
  }

  /** A page of subscriptions in creation order (those declared in the configuration after the others). */
  async list(filter: ListWebhookSubscriptionsFilter = {}): Promise<WebhookPage<WebhookSubscription>> {
    const page = await this.store.list(this.query(filter));
    return {
      items: page.items.map((s) => withoutSecrets(s)),
      nextCursor: page.last === null ? null : encodeCursor(page.last),
    };
  }

  /** Changes the given fields. `active`, `scope` and the id cannot be changed here. */
  async update(id: string, input: UpdateWebhookSubscriptionInput): Promise<WebhookSubscription> {
    if (typeof input !== 'object' || input === null) throw new WebhookValidationError('body', 'must be an object');
    rejectUnknownFields(input, UPDATE_FIELDS);
    const changes: Partial<WebhookSubscriptionFields> = {};
    if (input.to !== undefined) changes.to = await this.checkTarget(input.to);
    if (input.events !== undefined) changes.events = this.checkEvents(input.events);
    if (input.owner !== undefined) changes.owner = optionalText(input.owner, 'owner', 255);
    if (input.permission !== undefined) changes.permission = optionalText(input.permission, 'permission', 255);
    if (input.dialect !== undefined) changes.dialect = this.checkDialect(input.dialect);
    if (input.description !== undefined) changes.description = optionalText(input.description, 'description', 1024);
    if (input.metadata !== undefined) changes.metadata = metadataObject(input.metadata);
    if (input.retry !== undefined) changes.retry = parseRetryPolicy(input.retry, 'retry', invalidField);
    if (input.rateLimit !== undefined) changes.rateLimit = parseRateLimit(input.rateLimit, 'rateLimit', invalidField);
    if (input.maxInFlight !== undefined)
      changes.maxInFlight = parseMaxInFlight(input.maxInFlight, 'maxInFlight', invalidField);
    await this.refuseConfigured(id, 'changed');
    return withoutSecrets(await this.store.update(id, changes, this.options.clock.now()));
  }

  /**
   * Gives the subscription a new signing secret (generated, or the imported `secret`) and returns it, the only
   * time it is shown. The replaced secrets keep signing for `overlapMs` (the module's `secrets.rotationOverlap`
   * by default), every request meanwhile carrying one signature per secret, so that receivers holding either
   * verify; then only the new one signs.
   */
  async rotateSecret(id: string, input: RotateWebhookSecretInput = {}): Promise<RotatedWebhookSecret> {
    await this.refuseConfigured(id, 'given a new secret');
    const now = this.options.clock.now();
    const created = await this.store.rotateSecrets(
      id,
      (current) => {
        const { list, created } = rotatedSubscriptionSecret(current.secrets, input, id, now, this.options.secrets);
        return { secrets: list, result: created };
      },
      now,
    );
    return created.publicKey === undefined
      ? { secret: created.secret }
      : { secret: created.secret, publicKey: created.publicKey };
  }

  /** The `whpk_` public keys receivers verify `v1a` signatures with (ed25519 signing), newest first. */
  async publicKeys(id: string): Promise<string[]> {
    const subscription = isLookupId(id) ? await this.store.find(id) : null;
    if (!subscription) throw new WebhookSubscriptionNotFoundError(String(id));
    return subscriptionPublicKeys(subscription, this.options.clock.now(), this.options.secrets);
  }

  /**
   * Activates the subscription, resetting its failure counts and status message. Returns whether it
   * changed (`false` when it was active already).
   */
  async activate(id: string): Promise<boolean> {
    this.assertLookup(id);
    return (await this.store.setActive(id, true, ACTIVE_STATUS_MESSAGE, this.options.clock.now())) !== null;
  }

  /**
   * Deactivates the subscription: no new deliveries are made; its history is kept. Returns whether it
   * changed (`false` when it was inactive already).
   */
  async deactivate(id: string, statusMessage: string = MANUALLY_DEACTIVATED_MESSAGE): Promise<boolean> {
    const message = optionalText(statusMessage, 'statusMessage', 512) ?? MANUALLY_DEACTIVATED_MESSAGE;
    this.assertLookup(id);
    return (await this.store.setActive(id, false, message, this.options.clock.now())) !== null;
  }

  /** Deletes the subscription and its history. Returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    await this.refuseConfigured(id, 'deleted');
    return (await this.store.delete(id)) !== null;
  }

  /**
   * Deletes the subscriptions owned by `owner`, as when the principal is removed: in every scope, or as
   * {@link DeleteForOwnerOptions} limit it (`principalScope`: the lineage rule). Subscriptions declared in the
   * configuration without `persistent` are left alone. Returns how many were deleted.
   */
  async deleteForOwner(ownerToRemove: string, options: DeleteForOwnerOptions = {}): Promise<number> {
    const owner = optionalText(ownerToRemove, 'owner', 255);
    if (owner === null) throw new WebhookValidationError('owner', 'must be a principal id');
    const within = options.within === undefined ? undefined : assertScope(options.within, 'within');
    const selected = ownerRemovalSelector(options.principalScope, within);
    let deleted = 0;
    let cursor: string | undefined;
    do {
      const page = await this.list({ owner, within: selected ? undefined : within, limit: 500, cursor });
      for (const subscription of page.items) {
        if (isConfiguredId(subscription.id) || (selected && !selected(subscription.scope))) continue;
        if ((await this.store.delete(subscription.id)) !== null) deleted++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return deleted;
  }

  private query(filter: ListWebhookSubscriptionsFilter): WebhookSubscriptionQuery {
    const query: WebhookSubscriptionQuery = { limit: pageLimit(filter.limit) };
    if (filter.scope !== undefined) query.scope = assertScope(filter.scope, 'scope');
    if (filter.within !== undefined) query.within = assertScope(filter.within, 'within');
    if (filter.related !== undefined) query.related = assertScope(filter.related, 'related');
    if (filter.owner !== undefined) query.owner = optionalText(filter.owner, 'owner', 255) ?? undefined;
    for (const flag of ['active', 'static'] as const) {
      const value = filter[flag];
      if (value === undefined) continue;
      if (typeof value !== 'boolean') throw new WebhookValidationError(flag, 'must be true or false');
      query[flag] = value;
    }
    if (filter.event !== undefined) {
      if (isEventName(filter.event)) query.patterns = patternsMatching(filter.event);
      else if (isEventPattern(filter.event)) query.patterns = [filter.event];
      else
        throw new WebhookValidationError('event', 'must be an event name ("contact.create") or pattern ("contact.*")');
    }
    if (filter.cursor !== undefined) query.after = decodeCursor(filter.cursor);
    return query;
  }

  /**
   * A target's form and addresses: a host resolving to a blocked address is refused now; one that does
   * not resolve (yet) is accepted and verified again before every try.
   */
  private async checkTarget(to: unknown): Promise<string> {
    const target = assertTargetUrl(to, this.options.targets);
    await this.guard.assertAllowed(target, 'to', { allowUnresolvable: true });
    return target;
  }

  /** Event patterns, refused when `strictEventTypes` is on and one matches no cataloged event. */
  private checkEvents(input: unknown): string[] {
    const events = normalizeEventPatterns(input);
    this.catalog.assertAccepts(events);
    return events;
  }

  private checkDialect(name: unknown): string {
    const dialect = dialectName(name);
    this.dialects.assertKnown(dialect, 'dialect');
    return dialect;
  }

  /** An id that cannot have been stored is not looked up: it would be a database error on PostgreSQL. */
  private assertLookup(id: string): void {
    if (!isLookupId(id)) throw new WebhookSubscriptionNotFoundError(String(id));
  }

  /** Subscriptions declared in the configuration are changed there, not at runtime. */
  private async refuseConfigured(id: string, action: string): Promise<void> {
    this.assertLookup(id);
    if (!isConfiguredId(id)) return;
    if (!(await this.store.find(id))) throw new WebhookSubscriptionNotFoundError(id);
    throw new WebhookOperationNotAllowedError(configuredSubscriptionMessage(id, action));
  }
}
