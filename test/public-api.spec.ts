import { describe, expect, it } from 'vitest';
import * as api from '../lib';
import * as testing from '../lib/testing';

// The names the package exports at runtime. Changing this list is changing the public API: do it on
// purpose, with the README, docs/ and the changelog.
describe('the public API', () => {
  it('nestjs-webhooks exports exactly these names (at most 60)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DefaultWebhookDialect',
      'StandardWebhookDialect',
      'TEST_EVENT',
      'WEBHOOKS_DEFAULTS',
      'WEBHOOKS_EVENT_EMITTER',
      'WEBHOOK_AUTHORIZER',
      'WEBHOOK_ENTITIES',
      'WEBHOOK_MIGRATIONS',
      'WebhookAttemptNotFoundError',
      'WebhookAttempts',
      'WebhookDeliveryAttempt',
      'WebhookDestinationError',
      'WebhookDialect',
      'WebhookDialectError',
      'WebhookDispatcher',
      'WebhookEvent',
      'WebhookEventCatalog',
      'WebhookEvents',
      'WebhookMessages',
      'WebhookOperationNotAllowedError',
      'WebhookPayload',
      'WebhookPayloadError',
      'WebhookPayloadSchemaError',
      'WebhookPayloadShaper',
      'WebhookPayloadTooLargeError',
      'WebhookRegistry',
      'WebhookResource',
      'WebhookScope',
      'WebhookSecretDecryptionError',
      'WebhookStoredSecretError',
      'WebhookSubscription',
      'WebhookSubscriptionNotFoundError',
      'WebhookSubscriptions',
      'WebhookTransport',
      'WebhookUnknownPermissionError',
      'WebhookValidationError',
      'WebhooksAdminExceptionFilter',
      'WebhooksConfigurationError',
      'WebhooksError',
      'WebhooksHealthIndicator',
      'WebhooksModule',
      'WebhooksPortalLinks',
      'WebhooksPrincipal',
      'addWebhooksToDocument',
      'generateSigningKeyPair',
      'generateWebhookSecret',
      'verifyWebhook',
    ]);
    expect(Object.keys(api).length).toBeLessThanOrEqual(60);
  });

  it('nestjs-webhooks/testing exports exactly these names', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'MemoryWebhookTransport',
      'OFFLINE_DESTINATION_ADDRESS',
      'RecordedWebhookRequest',
      'SimulatedLookupError',
      'SimulatedNetworkError',
      'SimulatedProcessingError',
      'WEBHOOKS_TESTING_DEFAULTS',
      'WebhookDeliveriesDeferredError',
      'WebhookDeliveriesTimeoutError',
      'WebhooksTestKit',
      'WebhooksTestingModule',
      'attemptStoreContract',
      'createMemoryTransport',
      'overrideWebhooksForTesting',
      'subscriptionStoreContract',
    ]);
  });

  it('every error class the package exports is a WebhooksError', () => {
    const errors = Object.entries(api).filter(([name]) => name.endsWith('Error') && name !== 'WebhooksError');
    expect(errors.length).toBeGreaterThan(10);
    for (const [name, value] of errors)
      expect((value as { prototype: unknown }).prototype, name).toBeInstanceOf(api.WebhooksError);
  });
});
