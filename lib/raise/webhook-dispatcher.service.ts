import { Inject, Injectable } from '@nestjs/common';
import { WebhookSubscriptionNotFoundError, WebhookValidationError } from '../core/errors/webhooks.errors';
import { assertEventName } from '../core/events/event-pattern.util';
import { TEST_EVENT, testEventPayload } from '../core/events/test-event.payload';
import { assertScope } from '../core/scopes/scope-path.util';
import { WebhookScope } from '../core/scopes/webhook-scope.context';
import { newMessageId } from '../core/util/ids.util';
import { isLookupId } from '../core/util/storable-text.util';
import { ROOT_SCOPE, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { WebhookOutbox } from '../enqueue/webhook-outbox.service';
import { webhookResourceOf } from '../enqueue/payloads/payload.metadata';
import { ApplicabilityChecker, assertInitiator } from '../match/authorization/applicability.checker';
import { WebhookEventCatalog } from '../match/catalog/webhook-event.catalog';
import { WebhookRegistry } from '../match/registry/webhook-registry.service';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import { WebhookTelemetry } from '../pipeline/webhook-telemetry';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../stores/subscription-store.interface';
import { AmbientTransaction } from './ambient-transaction.service';
import type { DispatchOptions, DispatchResult } from './dispatch.interface';

// No "." : the signed content is "id.timestamp.body" (Standard Webhooks), which a "." would make ambiguous.
const MESSAGE_ID = /^[A-Za-z0-9_:-]{1,64}$/;

/**
 * Raises webhook events. Matching happens now, in the caller's scope; the attempts are written as pending
 * outbox rows in the caller's transaction (or one of the module's own) and handed to the delivery engine
 * when that transaction commits. Delivery failures never reach the caller; bad arguments, and a failure to
 * write the outbox rows (which must then roll the caller's work back), do.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(
    private readonly registry: WebhookRegistry,
    private readonly applicability: ApplicabilityChecker,
    private readonly outbox: WebhookOutbox,
    private readonly ambient: AmbientTransaction,
    private readonly catalog: WebhookEventCatalog,
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    private readonly outcomes: WebhookOutcomeBus,
    private readonly telemetry: WebhookTelemetry,
  ) {}

  /**
   * Raises `event` with `payload`; returns the attempts it scheduled. With OpenTelemetry, in a producer span
   * of the caller's trace, which the tries of these attempts continue.
   */
  async dispatch(event: string, payload: unknown, options: DispatchOptions = {}): Promise<DispatchResult> {
    assertEventName(event, 'event');
    if (!this.telemetry.tracer) return this.raise(event, payload, options);
    return this.telemetry.dispatchSpan(event, async (span) => {
      // Handed to the outbox rather than read back from the active context there: it needs no context
      // manager to follow the awaits in between.
      const result = await this.raise(event, payload, options, span && this.telemetry.traceparentOf(span));
      span?.setAttributes({ 'messaging.message.id': result.messageId, 'webhooks.attempts': result.attempts.length });
      return result;
    });
  }

  private async raise(
    event: string,
    payload: unknown,
    options: DispatchOptions,
    traceContext?: string | null,
  ): Promise<DispatchResult> {
    const scope =
      options.scope === undefined ? (WebhookScope.current() ?? ROOT_SCOPE) : assertScope(options.scope, 'scope');
    if (options.id !== undefined && (typeof options.id !== 'string' || !MESSAGE_ID.test(options.id))) {
      throw new WebhookValidationError(
        'id',
        'must be 1 to 64 letters, digits, "_", ":" or "-" (no ".": it separates the signed parts)',
      );
    }
    // Strict payload validation: before anything is matched or stored, in the caller's transaction.
    this.catalog.assertPayload(event, payload);
    const orderingKey = orderingKeyOf(options.orderingKey);
    const initiator = assertInitiator(options.initiator);
    const messageId = options.id ?? newMessageId();
    const manager = options.manager ?? this.ambient.manager();
    const resource = options.resource ?? webhookResourceOf(payload);
    const matched = await this.registry.match(event, scope, manager);
    // Owners and permissions, on the payload as raised; free without an authorizer.
    const subscriptions =
      matched.length === 0
        ? matched
        : await this.applicability.filter(matched, { event, scope, payload, initiator, resource });
    if (subscriptions.length === 0) {
      this.outcomes.emit('dispatched', { event, attempts: 0 });
      return { messageId, attempts: [] };
    }
    const attempts = await this.outbox.enqueue(
      {
        event,
        payload,
        scope,
        messageId,
        explicitId: options.id !== undefined,
        manager,
        resource,
        note: options.note ?? null,
        traceContext,
        orderingKey,
      },
      subscriptions,
    );
    return { messageId, attempts };
  }

  /**
   * Sends a test event (`webhook.test`, a small ping payload) to one subscription, whatever its event
   * patterns and even when it is inactive: it is recorded like any delivery, signed, and not retried.
   *
   * @throws WebhookSubscriptionNotFoundError when there is no such subscription.
   */
  async sendTest(subscriptionId: string): Promise<DispatchResult> {
    const subscription = isLookupId(subscriptionId) ? await this.store.find(subscriptionId) : null;
    if (!subscription) throw new WebhookSubscriptionNotFoundError(String(subscriptionId));
    const messageId = newMessageId();
    const payload = testEventPayload(subscription.id, new Date(this.options.clock.now()));
    const attempts = await this.outbox.enqueue(
      {
        event: TEST_EVENT,
        payload,
        scope: subscription.scope,
        messageId,
        explicitId: false,
        manager: this.ambient.manager(),
      },
      [subscription],
    );
    return { messageId, attempts };
  }
}

/** The ordering key as stored: text of 1 to 255 characters, or `null` (unordered). */
function orderingKeyOf(key: unknown): string | null {
  if (key === undefined || key === null) return null;
  const text = typeof key === 'number' && Number.isFinite(key) ? String(key) : key;
  if (typeof text !== 'string' || text.length === 0 || text.length > 255) {
    throw new WebhookValidationError('orderingKey', 'must be a string of 1 to 255 characters, a number or null');
  }
  return text;
}
