/**
 * The messages the module leaves on subscriptions (`statusMessage`) and attempts (`message`) — fixed
 * sentences that people read and programs compare. Changing one breaks whoever compares it, so the details
 * of a failure go elsewhere (an error's `detail`, the logs) and these change only on purpose.
 */

/** The status message of an active subscription. */
export const ACTIVE_STATUS_MESSAGE = 'Active';

/** The status message of a subscription deactivated by a person (the default of `deactivate()`). */
export const MANUALLY_DEACTIVATED_MESSAGE = 'Deactivated.';

/** A subscription whose kept history is all failures (`attemptLimit` consecutive failures). */
export const DELIVERY_FAILURES_MESSAGE = 'Delivery suspended due to too many delivery failures.';

/** A subscription with `authorization.preconditionFailureLimit` precondition failures. */
export const PRECONDITION_FAILURES_MESSAGE = 'Delivery suspended due to too many precondition failures.';

/** A subscription whose target answered 410 Gone (the REST Hooks unsubscribe rule). */
export const GONE_DEACTIVATION_MESSAGE =
  'Delivery suspended: the target answered 410 Gone, which means it unsubscribed (REST Hooks). Activate the subscription again if it should receive webhooks.';

/** A persistent static subscription that left the configuration. */
export const REMOVED_FROM_CONFIGURATION_MESSAGE = 'Removed from the static configuration.';

/** An attempt whose destination's host did not resolve or whose URL is not valid. */
export const DESTINATION_VERIFICATION_FAILED = 'Verification of the destination URL failed. Please check the domain.';

/** An attempt whose request could not be sent or answered (connection refused, reset, timed out ...). */
export const REMOTE_ERROR = 'Contacting the remote server experienced an unexpected error.';

/** An attempt whose response could not be handled after the receiver answered. */
export const RESPONSE_HANDLING_ERROR = 'Unexpected error handling the response from the server.';

/** An attempt whose scheduled retry was dropped because its subscription is inactive. */
export const RETRY_CANCELLED_MESSAGE =
  'Not retried: the subscription is inactive. Retry the attempt by hand to send it anyway.';

/**
 * Every status message, by name: compare a subscription's `statusMessage` or an attempt's `message` with
 * these rather than with copies of the text.
 */
export const WebhookMessages = Object.freeze({
  /** `Active` */
  active: ACTIVE_STATUS_MESSAGE,
  /** Deactivated by a person. */
  deactivated: MANUALLY_DEACTIVATED_MESSAGE,
  /** Deactivated: its kept history is all failures. */
  deliveryFailures: DELIVERY_FAILURES_MESSAGE,
  /** Deactivated: too many precondition failures (owner or permission missing). */
  preconditionFailures: PRECONDITION_FAILURES_MESSAGE,
  /** Deactivated: the target answered 410 Gone. */
  gone: GONE_DEACTIVATION_MESSAGE,
  /** Deactivated: a persistent static subscription left the configuration. */
  removedFromConfiguration: REMOVED_FROM_CONFIGURATION_MESSAGE,
  /** Attempt: the destination could not be verified. */
  destinationVerificationFailed: DESTINATION_VERIFICATION_FAILED,
  /** Attempt: the remote server could not be contacted. */
  remoteError: REMOTE_ERROR,
  /** Attempt: the response could not be handled. */
  responseHandlingError: RESPONSE_HANDLING_ERROR,
  /** Attempt: its retry was dropped, the subscription being inactive. */
  retryCancelled: RETRY_CANCELLED_MESSAGE,
});
