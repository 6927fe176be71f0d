import { WebhooksError } from '../core/errors/webhooks.errors';
import type { PendingWebhookDeliveries } from './pending-deliveries.interface';
import {
  deliveriesDeferredMessage,
  deliveriesTimeoutMessage,
  simulatedLookupErrorMessage,
  simulatedNetworkErrorMessage,
  simulatedProcessingErrorMessage,
} from './testing.messages';

/** `WebhooksTestKit.waitForDeliveries()` reached its deadline with attempts still pending. */
export class WebhookDeliveriesTimeoutError extends WebhooksError {
  constructor(
    /** The deadline that passed (ms). */
    readonly timeout: number,
    /** What was still pending. */
    readonly pending: PendingWebhookDeliveries,
    engineState?: string,
  ) {
    super(deliveriesTimeoutMessage(timeout, pending, engineState));
  }
}

/** `WebhooksTestKit.waitForDeliveries()` was called while deliveries are deferred and some are pending. */
export class WebhookDeliveriesDeferredError extends WebhooksError {
  constructor(
    /** What is waiting to be released. */
    readonly pending: PendingWebhookDeliveries,
  ) {
    super(deliveriesDeferredMessage(pending));
  }
}

/**
 * The network failure `failRequests()` simulates (shaped like the connection error a real transport
 * rejects with); the attempt records the same message as for a real one: "Contacting the remote server
 * experienced an unexpected error."
 */
export class SimulatedNetworkError extends Error {
  /** The system error code a refused connection carries. */
  readonly code = 'ECONNREFUSED';

  constructor(url: string, address: string, port: number) {
    super(simulatedNetworkErrorMessage(url, address, port));
    this.name = 'SimulatedNetworkError';
  }
}

/**
 * The failure `failProcessing()` simulates while the response is handled; the attempt records the same
 * message as for a real one: "Unexpected error handling the response from the server."
 */
export class SimulatedProcessingError extends Error {
  constructor(url: string) {
    super(simulatedProcessingErrorMessage(url));
    this.name = 'SimulatedProcessingError';
  }
}

/**
 * The failed host lookup `failDestinationChecks()` simulates; the attempt records the same message as for
 * a real one: "Verification of the destination URL failed. Please check the domain."
 */
export class SimulatedLookupError extends Error {
  /** The system error code of a name that does not resolve. */
  readonly code = 'ENOTFOUND';

  constructor(readonly hostname: string) {
    super(simulatedLookupErrorMessage(hostname));
    this.name = 'SimulatedLookupError';
  }
}
