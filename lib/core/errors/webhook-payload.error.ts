import { WebhooksError } from './webhooks.errors';

/**
 * The payload of an event could not be turned into a request body: a value JSON cannot hold, a
 * circular reference, a shaper that threw or answered asynchronously, a dialect envelope or serializer
 * that failed. Thrown where the event is raised, so that the mistake shows where it was made; nothing
 * is stored for that event.
 */
export class WebhookPayloadError extends WebhooksError {
  constructor(
    message: string,
    /** The event whose payload was refused. */
    readonly event: string,
    /** Where in the payload the problem is (`payload.items[2].total`), when it is one value. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    if (options && 'cause' in options) {
      Object.defineProperty(this, 'cause', {
        value: options.cause,
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
  }
}
