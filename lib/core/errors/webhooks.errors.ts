import { invalidFieldMessage, subscriptionNotFoundMessage, attemptNotFoundMessage } from './webhooks.messages';

/** Base class of every error the module throws on purpose. */
export class WebhooksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Marks an error class as the HTTP status it means, in the shape HTTP frameworks recognise (`status`,
 * `statusCode`, `expose`, as the http-errors package sets them): Nest's default exception filter, Express and
 * Fastify answer such an error with that status and its message, so that an application's own controller
 * calling the module answers a 400 naming the field rather than a 500 — with no filter to register.
 */
export function answersWith<T extends abstract new (...args: never[]) => WebhooksError>(status: number, base: T): T {
  Object.defineProperties(base.prototype, {
    status: { value: status, enumerable: false },
    statusCode: { value: status, enumerable: false },
    expose: { value: true, enumerable: false },
  });
  return base;
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
  /** 400, for HTTP frameworks (see {@link answersWith}). */
  declare readonly status: 400;
  declare readonly statusCode: 400;
  declare readonly expose: true;

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
  /** 404, for HTTP frameworks. */
  declare readonly status: 404;
  declare readonly statusCode: 404;
  declare readonly expose: true;

  constructor(readonly id: string) {
    super(subscriptionNotFoundMessage(id));
  }
}

/** No delivery attempt with that id (or not one the caller may see). The admin API answers it as a 404. */
export class WebhookAttemptNotFoundError extends WebhooksError {
  /** 404, for HTTP frameworks. */
  declare readonly status: 404;
  declare readonly statusCode: 404;
  declare readonly expose: true;

  constructor(readonly id: string) {
    super(attemptNotFoundMessage(id));
  }
}

/**
 * The operation is not allowed now or on this subscription: changing one declared in `forRoot({ subscriptions })`
 * without `persistent` (the configuration owns it), retrying an attempt whose try is under way. Answered as a 409.
 */
export class WebhookOperationNotAllowedError extends WebhooksError {
  /** 409, for HTTP frameworks. */
  declare readonly status: 409;
  declare readonly statusCode: 409;
  declare readonly expose: true;
}

answersWith(400, WebhookValidationError);
answersWith(404, WebhookSubscriptionNotFoundError);
answersWith(404, WebhookAttemptNotFoundError);
answersWith(409, WebhookOperationNotAllowedError);
