import { WebhooksError } from './webhooks.errors';

/**
 * A dialect misbehaved while building a request (its `headers()` function threw or produced a header
 * that cannot be sent). The sender records the try as failed; the event that raised it is not affected.
 */
export class WebhookDialectError extends WebhooksError {
  constructor(
    message: string,
    /** The name of the dialect at fault. */
    readonly dialect: string,
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
