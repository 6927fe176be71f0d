export {
  createMemoryTransport,
  MemoryWebhookTransport,
  OFFLINE_DESTINATION_ADDRESS,
  type MemoryTransportOptions,
  type WaitForRequestsOptions,
  type WebhookTestResponder,
  type WebhookTestResponse,
} from './memory.transport';
export { RecordedWebhookRequest, type RecordedDestination, type WebhookVerificationSecret } from './recorded-request';
export {
  SimulatedLookupError,
  SimulatedNetworkError,
  SimulatedProcessingError,
  WebhookDeliveriesDeferredError,
  WebhookDeliveriesTimeoutError,
} from './testing.errors';
export type { PendingWebhookDeliveries } from './pending-deliveries.interface';
export {
  WEBHOOKS_TESTING_DEFAULTS,
  type WebhooksTestingModuleAsyncOptions,
  type WebhooksTestingModuleOptions,
  type WebhooksTestingOptions,
} from './testing-options.interface';
export { overrideWebhooksForTesting, type OverridableTestingModuleBuilder } from './testing-module.override';
export type { WebhookUrlMatcher } from './url-matcher';
export { WebhooksTestKit, type WaitForDeliveriesOptions, type WebhooksTestKitHost } from './webhooks-test-kit';
export { WebhooksTestingModule } from './webhooks-testing.module';
export { subscriptionStoreContract } from './contracts/subscription-store.contract';
export { attemptStoreContract } from './contracts/attempt-store.contract';
export type {
  WebhookStoreContractCase,
  WebhookStoreHarness,
  WebhookStores,
} from './contracts/store-contract.interface';
