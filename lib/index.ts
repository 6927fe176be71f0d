export * from './entities';
export * from './errors/webhooks.errors';
export * from './events/webhook-events.constants';
export type * from './interfaces/delivery-attempt.interface';
export type * from './interfaces/static-subscription.interface';
export type * from './interfaces/subscription-input.interface';
export type * from './interfaces/webhooks-module-options.interface';
export { WEBHOOK_MIGRATIONS } from './migrations';
export { isEventName, isEventPattern, patternMatches } from './registry/event-pattern';
export { WebhookRegistry } from './registry/webhook-registry.service';
export { isScope, isWithinScope, scopeLineage } from './scope/scope-path';
export { WebhookScope } from './scope/webhook-scope';
export { ScopedWebhookSubscriptions } from './subscriptions/scoped-webhook-subscriptions';
export { REMOVED_FROM_CONFIGURATION_MESSAGE } from './subscriptions/static-subscriptions.sync';
export { MANUALLY_DEACTIVATED_MESSAGE, WebhookSubscriptions } from './subscriptions/webhook-subscriptions.service';
export { ACTIVE_STATUS_MESSAGE, WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from './webhooks.constants';
export { WebhooksModule } from './webhooks.module';
export { WEBHOOKS_DEFAULTS } from './webhooks.options';
export { WebhookAttempts, type ListWebhookAttemptsFilter, type ReplayWebhookAttemptsFilter } from './attempts/webhook-attempts.service';
export { WebhookEvent, type WebhookEventOptions } from './decorators/webhook-event.decorator';
export { WebhookResource, type WebhookResourceEvent, type WebhookResourceOptions } from './decorators/webhook-resource.decorator';
export { DeliveryEngine } from './delivery/delivery.engine';
export * from './delivery/delivery.messages';
export { GONE_DEACTIVATION_MESSAGE, RETRY_CANCELLED_MESSAGE } from './delivery/retry.messages';
export {
  effectiveRetryPolicy,
  retryDelay,
  WEBHOOK_RETRY_DEFAULTS,
  type ResolvedRetryPolicy,
  type WebhookRetryOptions,
  type WebhookRetryPolicy,
} from './delivery/retry-policy';
export { parseRetryAfter, THROTTLE_STATUS_CODES } from './delivery/retry-after.util';
export { TEST_EVENT, type WebhookTestEventPayload } from './dispatch/test-event';
export * from './signing';
export { WebhookDispatcher } from './dispatch/webhook-dispatcher.service';
export type * from './interfaces/dispatch.interface';
export { WebhookTransport } from './transport/webhook-transport.interface';
export type { WebhookTransportOptions, WebhookTransportRequest, WebhookTransportResponse } from './transport/webhook-transport.interface';
export * from './dialects';
export * from './payloads';
export * from './security';
export * from './authorization';
export { WebhookEventCatalog } from './catalog/webhook-event.catalog';
export type * from './catalog/event-type.interface';
export * from './admin';
