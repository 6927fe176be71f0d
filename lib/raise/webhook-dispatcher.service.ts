import { Inject, Injectable, Logger } from '@nestjs/common';
import { DEFAULT_DIALECT, STANDARD_DIALECT } from '../core/dialect.constants';
import { DialectRegistry } from '../deliver/dialects/dialect.registry';
import type { WebhookDialect } from '../options/webhook-dialect.interface';
import { PayloadShapers } from '../enqueue/payloads/payload-shapers.service';
import { webhookResourceOf } from '../enqueue/payloads/payload.metadata';
import { hostname } from 'node:os';
import { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { WebhookSubscriptionNotFoundError, WebhookValidationError } from '../core/errors/webhooks.errors';
import { RegistryStore } from '../stores/typeorm/registry.store';
import { TEST_EVENT, testEventPayload } from '../core/events/test-event.payload';
import type { DispatchOptions, DispatchResult } from './dispatch.interface';
import { WebhooksDatabase } from '../stores/typeorm/webhooks-database';
import { assertEventName } from '../core/events/event-pattern.util';
import { WebhookRegistry } from '../match/registry/webhook-registry.service';
import { assertScope } from '../core/scopes/scope-path.util';
import { WebhookScope } from '../core/scopes/webhook-scope.context';
import { isTransientId, TransientSubscriptions } from '../match/subscriptions/transient-subscriptions.store';
import { newId, newLeaseToken, newMessageId } from '../core/util/ids.util';
import { ROOT_SCOPE, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { AttemptStore } from '../stores/typeorm/attempt.store';
import type { DeliveryJob } from '../deliver/delivery-job.interface';
import { DeliveryEngine } from '../deliver/delivery.engine';
import { TransientAttempts } from '../deliver/transient-attempts.store';
import { AmbientTransaction } from './ambient-transaction.service';
import { TransactionHooks } from '../stores/typeorm/transaction-hooks.subscriber';
import { OutboxBatcher } from '../enqueue/outbox.batcher';
import { ApplicabilityChecker, assertInitiator } from '../match/authorization/applicability.checker';
import { unknownDialectReason } from '../core/messages/authorization.messages';
import { PreconditionFailureCounter } from '../react/precondition-failures.counter';
import { assertPayloadSize } from '../core/security/payload-size.limit';

// No "." : the signed content is "id.timestamp.body" (Standard Webhooks), which a "." would make ambiguous.
const MESSAGE_ID = /^[A-Za-z0-9_:-]{1,64}$/;
const HOST = hostname();

/**
 * Raises webhook events. Matching happens now, in the caller's scope; the attempts are written as pending
 * outbox rows in the caller's transaction (or one of our own) and handed to the delivery engine when that
 * transaction commits. Delivery failures never reach the caller; bad arguments, and a failure to write the
 * outbox rows (which must then roll the caller's work back), do.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger('WebhookDispatcher');

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly registry: WebhookRegistry,
    private readonly store: AttemptStore,
    private readonly engine: DeliveryEngine,
    private readonly hooks: TransactionHooks,
    private readonly ambient: AmbientTransaction,
    private readonly transientAttempts: TransientAttempts,
    private readonly outbox: OutboxBatcher,
    private readonly dialects: DialectRegistry,
    private readonly shapers: PayloadShapers,
    private readonly applicability: ApplicabilityChecker,
    private readonly preconditions: PreconditionFailureCounter,
    private readonly registryStore: RegistryStore,
    private readonly transient: TransientSubscriptions,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /** Raises `event` with `payload`; returns the attempts it scheduled. */
  async dispatch(event: string, payload: unknown, options: DispatchOptions = {}): Promise<DispatchResult> {
    assertEventName(event, 'event');
    const scope = options.scope === undefined ? (WebhookScope.current() ?? ROOT_SCOPE) : assertScope(options.scope, 'scope');
    if (options.id !== undefined && (typeof options.id !== 'string' || !MESSAGE_ID.test(options.id))) {
      throw new WebhookValidationError('id', 'must be 1 to 64 letters, digits, "_", ":" or "-" (no ".": it separates the signed parts)');
    }
    const initiator = assertInitiator(options.initiator);
    const messageId = options.id ?? newMessageId();
    const manager = options.manager ?? this.ambient.manager();
    const resource = options.resource ?? webhookResourceOf(payload);
    const matched = await this.registry.match(event, scope, manager);
    // Owners and permissions (the seed's isApplicable), on the payload as raised; free without an authorizer.
    const subscriptions =
      matched.length === 0 ? matched : await this.applicability.filter(matched, { event, scope, payload, initiator, resource });
    if (subscriptions.length === 0) return { messageId, attempts: [] };
    return this.schedule(event, payload, scope, messageId, subscriptions, { ...options, manager, resource });
  }

  /**
   * Sends a test event (`webhook.test`, a small ping payload) to one subscription, whatever its event
   * patterns and even when it is inactive: it is recorded like any delivery, signed, and not retried.
   *
   * @throws WebhookSubscriptionNotFoundError when there is no such subscription.
   */
  async sendTest(subscriptionId: string): Promise<DispatchResult> {
    const subscription = await this.subscriptionForTest(subscriptionId);
    const messageId = newMessageId();
    const now = this.options.clock.now();
    const payload = testEventPayload(subscription.id, new Date(now));
    return this.schedule(TEST_EVENT, payload, subscription.scope, messageId, [subscription], { manager: this.ambient.manager() });
  }

  private async subscriptionForTest(id: string): Promise<WebhookSubscription> {
    if (typeof id === 'string' && id.length <= 64) {
      // With its secrets, which reads through WebhookSubscriptions leave out.
      const found = isTransientId(id) ? this.transient.get(id) : (await this.registryStore.loadByIds([id]))[0];
      if (found) return found;
    }
    throw new WebhookSubscriptionNotFoundError(String(id));
  }

  /** Writes one attempt per subscription (in the caller's transaction) and hands them over on commit. */
  private async schedule(
    event: string,
    payload: unknown,
    scope: string,
    messageId: string,
    subscriptions: readonly WebhookSubscription[],
    options: DispatchOptions,
  ): Promise<DispatchResult> {
    const { manager, resource } = options;
    const now = this.options.clock.now();
    const { enabled, leaseDuration } = this.options.delivery;
    // Rows are written already leased to this instance, so that the engine can send them the moment the
    // transaction commits; with an explicit id a duplicate row may be skipped, so they are claimed after.
    const token = enabled && options.id === undefined ? newLeaseToken() : null;
    const leaseUntil = now + leaseDuration;
    const render = this.renderer(event, payload, messageId, scope, now, resource);
    const shared = eventParts(event, scope, messageId, now, options.note ?? null, token, leaseUntil);
    const jobs: DeliveryJob[] = [];
    const transient: DeliveryJob[] = [];
    for (const subscription of subscriptions) {
      const dialect = this.dialects.get(subscription.dialect);
      if (!dialect) {
        this.logger.warn(`Subscription ${subscription.id} names the dialect "${subscription.dialect}", which is not registered; skipped.`);
        this.preconditions.record(subscription, unknownDialectReason(subscription.dialect));
        continue;
      }
      const { method, body } = render(subscription, dialect);
      const attempt = newAttempt(shared, subscription, method, body);
      const job: DeliveryJob = { attempt, subscription, leaseToken: token, leaseUntil, trigger: 'scheduled' };
      if (isTransientId(subscription.id)) transient.push({ ...job, leaseToken: null });
      else jobs.push(job);
    }

    // Whose commit sends these: the caller's transaction, or (SQLite) the one open on the shared connection.
    const runner = this.db.transactionRunner(manager);
    let written = jobs;
    if (jobs.length > 0) {
      // A subscription deleted since it was matched gets no attempt (and the dispatch does not fail).
      const rows = jobs.map((job) => job.attempt);
      const kept = new Set(
        runner || options.id !== undefined
          ? await this.db.run(() => this.store.insert(rows, options.id !== undefined), manager)
          : await this.outbox.write(rows),
      );
      if (kept.size < jobs.length) written = jobs.filter((job) => kept.has(job.attempt));
    }
    this.hooks.afterCommit(runner, () => this.handOver(written, transient, token !== null));
    return { messageId, attempts: [...written, ...transient].map((job) => ({ id: job.attempt.id, subscriptionId: job.subscription.id })) };
  }

  /**
   * Renders bodies for one event: shaped once per dialect (shapers depend on the dialect's name only), and
   * serialized once per built-in dialect; custom dialects may look at the subscription, so theirs are
   * rendered for each. Payload errors reach the caller: they are programming errors.
   */
  private renderer(event: string, payload: unknown, messageId: string, scope: string, now: number, resource: string | undefined) {
    const timestamp = new Date(now);
    const shaped = new Map<string, unknown>();
    const rendered = new Map<string, { method: string; body: string }>();
    return (subscription: WebhookSubscription, dialect: WebhookDialect): { method: string; body: string } => {
      const cached = rendered.get(dialect.name);
      if (cached) return cached;
      if (!shaped.has(dialect.name)) shaped.set(dialect.name, this.shapers.shape(payload, { event, dialect: dialect.name, resource }));
      const { body } = this.dialects.renderBody(dialect, shaped.get(dialect.name), { event, messageId, scope, timestamp, subscription, resource });
      assertPayloadSize(body, this.options.maxPayloadBytes, event, dialect.name);
      const result = { method: (dialect.method ?? 'POST').toUpperCase(), body };
      if (dialect.name === DEFAULT_DIALECT || dialect.name === STANDARD_DIALECT) rendered.set(dialect.name, result);
      return result;
    };
  }

  private handOver(jobs: DeliveryJob[], transient: DeliveryJob[], leased: boolean): void {
    this.transientAttempts.add(transient.map((job) => job.attempt));
    void this.engine.enqueueCommitted(transient);
    if (!this.engine.enabled) return;
    if (leased) void this.engine.enqueueCommitted(jobs);
    else void this.engine.claimAndEnqueue(jobs.map((job) => job.attempt.id));
  }
}

/** What every attempt of one event has in common (see {@link eventParts}). */
type EventParts = Omit<WebhookDeliveryAttempt, 'id' | 'subscriptionId' | 'subscription' | 'request'>;

const NO_ENTRIES = Object.freeze([]) as unknown as never[];

/**
 * The fields every attempt of one event shares, built once per event: a fan-out to thousands of
 * subscriptions holds thousands of attempts until they are sent, and each would otherwise carry its own
 * copies of the same dates and origin. Attempts are never changed in place (the engine and the recorder
 * derive new ones), so sharing them is safe.
 */
function eventParts(
  event: string,
  scope: string,
  messageId: string,
  now: number,
  note: string | null,
  token: string | null,
  leaseUntil: number,
): EventParts {
  return {
    messageId,
    event,
    scope,
    status: 'pending',
    message: null,
    response: null,
    internalInfo: Object.freeze({
      originated: Object.freeze({ pid: process.pid, hostname: HOST, createdTime: new Date(now).toISOString(), note }),
      exceptionHistory: NO_ENTRIES,
    }),
    tries: NO_ENTRIES,
    attemptCount: 0,
    nextTrigger: null,
    // A held row is due again only when its lease runs out: pollers pass it by until then.
    nextAttemptAt: new Date(token ? leaseUntil : now),
    leaseOwner: token,
    leaseUntil: token ? leaseUntil : null,
    createdAt: new Date(now),
    resolvedAt: null,
  };
}

function newAttempt(shared: EventParts, subscription: WebhookSubscription, method: string, body: string): WebhookDeliveryAttempt {
  return Object.assign(new WebhookDeliveryAttempt(), shared, {
    id: newId(),
    subscriptionId: subscription.id,
    request: { url: subscription.to, method, body },
  });
}
