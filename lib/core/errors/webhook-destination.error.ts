import { WebhooksError } from './webhooks.errors';
import type { AddressClassification } from '../security/address.classifier';

/** Why the guard refused a destination. */
export type WebhookDestinationErrorKind = 'invalid' | 'unresolvable' | 'blocked';

/** Details of a {@link WebhookDestinationError}. */
export interface WebhookDestinationErrorDetails {
  /** The URL's hostname, when the URL could be parsed. */
  hostname?: string;
  /** The offending address, when blocked. */
  address?: string;
  /** What kind of address it is, when blocked. */
  classification?: AddressClassification;
  /** A longer explanation for logs (the specific DNS failure, the rule the URL broke). */
  detail?: string;
  /** The underlying error (the resolver's, or the URL validation error). */
  cause?: unknown;
}

/**
 * The destination guard refused to let a delivery try reach its target. The message is what the attempt
 * record shows: "Verification of the destination URL failed. Please check the domain." when the
 * URL is malformed (`invalid`) or its host does not resolve (`unresolvable`), and a message naming the
 * host, the address and the option that would allow it when the address is not allowed (`blocked`).
 */
export class WebhookDestinationError extends WebhooksError {
  /** The offending address when blocked. */
  readonly address?: string;
  /** The URL's hostname, when the URL could be parsed. */
  readonly hostname?: string;
  /** What kind of address {@link address} is, when blocked. */
  readonly classification?: AddressClassification;
  /** A longer explanation for logs. */
  readonly detail?: string;

  constructor(
    /** `invalid`: malformed URL; `unresolvable`: no address / lookup failed or timed out; `blocked`: address not allowed. */
    readonly kind: WebhookDestinationErrorKind,
    message: string,
    details: WebhookDestinationErrorDetails = {},
  ) {
    super(message);
    this.address = details.address;
    this.hostname = details.hostname;
    this.classification = details.classification;
    this.detail = details.detail;
    if (details.cause !== undefined) this.cause = details.cause;
  }
}
