export * from './entities';
export * from './core/errors/webhooks.errors';
export * from './core/events/webhook-events.constants';
export type * from './core/attempts/delivery-attempt.interface';
export type * from './options/static-subscription.interface';
export type * from './match/subscriptions/subscription-input.interface';
export type * from './options/webhooks-module-options.interface';
export { WEBHOOK_MIGRATIONS } from './migrations';
export { isEventName, isEventPattern, patternMatches } from './core/events/event-pattern.util';
export { WebhookRegistry } from './match/registry/webhook-registry.service';
export { isScope, isWithinScope, scopeLineage } from './core/scopes/scope-path.util';
export { WebhookScope } from './core/scopes/webhook-scope.context';
export { ScopedWebhookSubscriptions } from './match/subscriptions/scoped-webhook-subscriptions.view';
export { REMOVED_FROM_CONFIGURATION_MESSAGE } from './match/subscriptions/static-subscriptions.sync';
export { MANUALLY_DEACTIVATED_MESSAGE, WebhookSubscriptions } from './match/subscriptions/webhook-subscriptions.service';
export { ACTIVE_STATUS_MESSAGE, WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from './core/webhooks.constants';
export { WebhooksModule } from './webhooks.module';
export { WEBHOOKS_DEFAULTS } from './options/webhooks-options.resolver';
export { WebhookAttempts, type ListWebhookAttemptsFilter, type ReplayWebhookAttemptsFilter } from './enqueue/webhook-attempts.service';
export { WebhookEvent } from './raise/webhook-event.decorator';
export type { WebhookEventOptions } from './core/metadata/webhook-event.metadata';
export { WebhookResource } from './raise/webhook-resource.decorator';
export type { WebhookResourceEvent, WebhookResourceOptions } from './core/metadata/webhook-resource.metadata';
export { DeliveryEngine } from './deliver/delivery.engine';
export * from './core/messages/delivery.messages';
export { GONE_DEACTIVATION_MESSAGE, RETRY_CANCELLED_MESSAGE } from './core/retry/retry.messages';
export {
  effectiveRetryPolicy,
  retryDelay,
  WEBHOOK_RETRY_DEFAULTS,
  type ResolvedRetryPolicy,
  type WebhookRetryOptions,
  type WebhookRetryPolicy,
} from './core/retry/retry.policy';
export { parseRetryAfter, THROTTLE_STATUS_CODES } from './core/retry/retry-after.util';
export { TEST_EVENT, type WebhookTestEventPayload } from './core/events/test-event.payload';
export * from './core/signing';
export { WebhookDispatcher } from './raise/webhook-dispatcher.service';
export type * from './raise/dispatch.interface';
export { WebhookTransport } from './options/webhook-transport.interface';
export type { WebhookTransportOptions, WebhookTransportRequest, WebhookTransportResponse } from './options/webhook-transport.interface';
export * from './deliver/dialects';
export * from './enqueue/payloads';
export * from './core/security';
export * from './match/authorization';
export { WebhookEventCatalog } from './match/catalog/webhook-event.catalog';
export type * from './options/event-type.interface';
export * from './admin';
