import { invalidFieldMessage, subscriptionNotFoundMessage, attemptNotFoundMessage } from './webhooks.messages';

/** Base class of every error the module throws on purpose. */
export class WebhooksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The module was configured wrongly: thrown at startup, naming the option and what is allowed.
 */
export class WebhooksConfigurationError extends WebhooksError {
  constructor(
    message: string,
    /** The option at fault, as a dotted path (`delivery.concurrency`). */
    readonly option?: string,
  ) {
    super(message);
  }
}

/**
 * Input to a service method (or the admin API) was rejected. `field` names the input field at fault;
 * the admin API answers it as a 400.
 */
export class WebhookValidationError extends WebhooksError {
  constructor(
    /** The field at fault (`to`, `events[1]`, `scope` ...). */
    readonly field: string,
    /** Why it was rejected, phrased to follow the field name. */
    readonly reason: string,
  ) {
    super(invalidFieldMessage(field, reason));
  }
}

/** No subscription with that id (or not one the caller may see). The admin API answers it as a 404. */
export class WebhookSubscriptionNotFoundError extends WebhooksError {
  constructor(readonly id: string) {
    super(subscriptionNotFoundMessage(id));
  }
}

/** No delivery attempt with that id (or not one the caller may see). The admin API answers it as a 404. */
export class WebhookAttemptNotFoundError extends WebhooksError {
  constructor(readonly id: string) {
    super(attemptNotFoundMessage(id));
  }
}

/**
 * The operation is not allowed now or on this subscription: changing one declared in `forRoot({ subscriptions })`
 * without `persistent` (the configuration owns it), retrying an attempt whose try is under way. Answered as a 409.
 */
export class WebhookOperationNotAllowedError extends WebhooksError {}
