// The public API of nestjs-webhooks. Everything else is internal and may change without notice;
// test/public-api.spec.ts lists these names so that changing them is a deliberate act.

// The module and the services an application injects.
export { WebhooksModule } from './webhooks.module';
export { WebhookSubscriptions } from './match/subscriptions/webhook-subscriptions.service';
export type { ScopedWebhookSubscriptions } from './match/subscriptions/scoped-webhook-subscriptions.view';
export { WebhookDispatcher } from './raise/webhook-dispatcher.service';
export {
  WebhookAttempts,
  type ListWebhookAttemptsFilter,
  type ReplayWebhookAttemptsFilter,
} from './enqueue/webhook-attempts.service';
export { WebhookRegistry } from './match/registry/webhook-registry.service';
export { WebhookEventCatalog } from './match/catalog/webhook-event.catalog';
export { addWebhooksToDocument } from './webhooks-openapi';
export type {
  WebhooksOpenApiOptions,
  WebhooksOpenApiParts,
  WebhooksOpenApiDocument,
} from './match/catalog/webhooks-openapi.builder';
export { WebhookScope } from './core/scopes/webhook-scope.context';

// Raising events, shaping payloads, dialects.
export { WebhookEvent } from './raise/webhook-event.decorator';
export { WebhookResource } from './raise/webhook-resource.decorator';
export { WebhookPayload } from './enqueue/payloads/webhook-payload.decorator';
export { WebhookPayloadShaper } from './enqueue/payloads/webhook-payload-shaper.decorator';
export { WebhookDialect } from './deliver/dialects/webhook-dialect.decorator';
export { DefaultWebhookDialect } from './deliver/dialects/default.dialect';
export { StandardWebhookDialect, type StandardWebhookEnvelope } from './deliver/dialects/standard.dialect';
export type { WebhookEventOptions } from './core/metadata/webhook-event.metadata';
export type { WebhookResourceEvent, WebhookResourceOptions } from './core/metadata/webhook-resource.metadata';
export type { DispatchOptions, DispatchResult } from './raise/dispatch.interface';
export { TEST_EVENT, type WebhookTestEventPayload } from './core/events/test-event.payload';

// Extension points.
export { WebhookTransport } from './options/webhook-transport.interface';
export type {
  WebhookTransportOptions,
  WebhookTransportRequest,
  WebhookTransportResponse,
} from './options/webhook-transport.interface';
export { WEBHOOK_AUTHORIZER } from './options/authorization.constants';
export type { WebhookAuthorizationContext, WebhookAuthorizer } from './options/webhook-authorizer.interface';
export type {
  WebhookSubscriptionStore,
  WebhookSubscriptionChange,
  WebhookSubscriptionQuery,
  WebhookSubscriptionStates,
} from './stores/subscription-store.interface';
export type {
  WebhookAttemptStore,
  OutboxWrite,
  AttemptResult,
  RecordedResults,
  DueBacklog,
} from './stores/attempt-store.interface';

// Schema.
export { WEBHOOK_ENTITIES, WebhookDeliveryAttempt, WebhookSubscription } from './entities';
export type { WebhookSubscriptionJson } from './entities/webhook-subscription.entity';
export { WEBHOOK_MIGRATIONS } from './migrations';

// Events the module emits, and the messages it records.
export { WebhookEvents } from './core/events/webhook-events.constants';
export { WEBHOOKS_EVENT_EMITTER } from './core/webhooks.constants';
export { WebhookMessages } from './core/messages/status.messages';

// Errors.
export {
  WebhooksError,
  WebhooksConfigurationError,
  WebhookValidationError,
  WebhookSubscriptionNotFoundError,
  WebhookAttemptNotFoundError,
  WebhookOperationNotAllowedError,
} from './core/errors/webhooks.errors';
export { WebhookDestinationError } from './core/errors/webhook-destination.error';
export { WebhookPayloadError } from './core/errors/webhook-payload.error';
export { WebhookPayloadTooLargeError } from './core/errors/webhook-payload-too-large.error';
export {
  WebhookPayloadSchemaError,
  type WebhookPayloadSchemaProblem,
} from './core/errors/webhook-payload-schema.error';
export { WebhookDialectError } from './core/errors/webhook-dialect.error';
export { WebhookSecretDecryptionError, WebhookStoredSecretError } from './core/errors/signing.errors';
export { WebhookUnknownPermissionError } from './core/errors/webhook-unknown-permission.error';

// Signing secrets, for applications and their receivers.
export {
  generateSigningKeyPair,
  generateWebhookSecret,
  type WebhookSigningKeyPair,
} from './core/signing/webhook-secret.util';
export { verifyWebhook, type VerifyWebhookOptions } from './core/signing/webhook-signature.util';

// The admin API's helpers for an application's own controllers.
export { WebhooksPrincipal } from './admin/admin-principal.decorator';
export { WebhooksAdminExceptionFilter } from './admin/admin-exception.filter';

// Operations: the health indicator for @nestjs/terminus, the payloads of the operational events.
export {
  WebhooksHealthIndicator,
  type WebhooksHealthDetails,
  type WebhooksHealthIndicatorResult,
} from './operations/webhooks-health.indicator';
export type { WebhookBacklogEvent, BacklogExceeded } from './react/backlog.monitor';

// The web portal's links, for an application to hand to its customers.
export {
  WebhooksPortalLinks,
  type CreateWebhooksPortalLinkInput,
  type WebhooksPortalLink,
} from './portal/webhooks-portal-links.service';

// Configuration.
export { WEBHOOKS_DEFAULTS } from './options/webhooks-options.resolver';
export type * from './options/webhooks-module-options.interface';
export type { StaticSubscriptionOptions } from './options/static-subscription.interface';
export type { WebhookAuthorizationOptions, RemovedWebhookPrincipal } from './options/authorization.options';
export type { WebhooksAdminOptions } from './options/webhooks-admin-options.interface';
export type { WebhooksPortalOptions, WebhooksPortalLinkOptions } from './options/webhooks-portal-options.interface';
export type {
  WebhooksAdminPrincipal,
  ResolvedWebhooksAdminPrincipal,
} from './options/webhooks-admin-principal.interface';
export type {
  WebhookEventType,
  WebhookEventTypeDefinition,
  WebhookPayloadValidation,
} from './options/event-type.interface';
export type { WebhookSecretsOptions } from './options/signing.options';
export type { WebhookRetryOptions, WebhookRetryPolicy } from './core/retry/retry.policy';
export type { WebhooksOperationsOptions, WebhookBacklogOptions } from './options/operations.options';
export type { WebhookRateLimit } from './core/limits/delivery-limits';
export type { WebhookBreakerTransition } from './core/limits/circuit-breaker';
export type * from './options/webhook-dialect.interface';
export type * from './options/payload-shaper.interface';
export type { WebhookResolver, ResolvedDestination } from './core/security/destination.interface';
export type * from './core/attempts/delivery-attempt.interface';
export type * from './match/subscriptions/subscription-input.interface';
