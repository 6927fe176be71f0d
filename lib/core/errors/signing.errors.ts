import { WebhooksError } from './webhooks.errors';

/**
 * A stored webhook secret could not be decrypted: the key that encrypted it is not configured, or the
 * value was altered. The message names the key id and the option to fix (`secrets.encryptionKeys`).
 */
export class WebhookSecretDecryptionError extends WebhooksError {
  constructor(
    message: string,
    /** The id of the key the value names, when it could be read. */
    readonly keyId?: string,
  ) {
    super(message);
  }
}

/**
 * A stored secret of a subscription is unusable for signing (damaged, or not a secret of its kind).
 * Deliveries of that subscription cannot be signed until its secret is rotated.
 */
export class WebhookStoredSecretError extends WebhooksError {
  constructor(
    message: string,
    /** The position of the bad entry in the stored list. */
    readonly index: number,
  ) {
    super(message);
  }
}
