import { createPublicKey, KeyObject } from 'node:crypto';
import { WebhookValidationError } from '../core/errors/webhooks.errors';
import type { ResolvedDestination } from '../core/security/destination.interface';
import {
  decodePublicKey,
  decodeWebhookSecret,
  PUBLIC_KEY_PREFIX,
  WEBHOOK_SECRET_PREFIX,
} from '../core/signing/webhook-secret.util';
import { verifyWebhook, type VerifyWebhookOptions, WEBHOOK_ID_HEADER } from '../core/signing/webhook-signature.util';
import type { WebhookTransportRequest, WebhookTransportResponse } from '../options/webhook-transport.interface';
import { bodyNotJsonMessage, verificationSecretReason } from './testing.messages';

/**
 * What a receiver verifies a signature with: a `whsec_` secret (or its bytes as a Buffer) for `v1`
 * signatures, a `whpk_` public key (or an ed25519 KeyObject) for `v1a` ones.
 */
export type WebhookVerificationSecret = string | Buffer | KeyObject;

/** Where the request would have connected: the address the destination guard pinned. */
export interface RecordedDestination {
  /** The host name of the target URL. */
  hostname: string;
  /** The checked address (with the kit's offline resolver, a fixed documentation address). */
  address: string;
  port: number;
}

/**
 * One request the in-memory transport received: exactly what a real receiver would have been sent, with
 * helpers to read its payload and check its signature. `response` (or `error`) says how it was answered.
 */
export class RecordedWebhookRequest {
  /** The target URL. */
  readonly url: string;
  /** The HTTP method (`POST` unless the dialect says otherwise). */
  readonly method: string;
  /** The headers as sent, signature included (the stored attempt redacts it; this does not). */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body sent: what the signature covers. */
  readonly body: string;
  /** When it was sent, by the module's clock. */
  readonly at: Date;
  readonly destination: RecordedDestination;
  /** The scripted answer, once given. */
  response?: WebhookTransportResponse;
  /** Why the try failed at the network level (`failRequests()`, a responder that threw, a timeout). */
  error?: unknown;

  /** Created by the in-memory transport. */
  constructor(request: WebhookTransportRequest, destination: ResolvedDestination, at: Date) {
    this.url = request.url;
    this.method = request.method;
    this.headers = Object.freeze({ ...request.headers });
    this.body = request.body;
    this.at = at;
    this.destination = { hostname: destination.hostname, address: destination.address, port: destination.port };
  }

  /** A header's value, whatever the case of its name. */
  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [key, value] of Object.entries(this.headers)) if (key.toLowerCase() === wanted) return value;
    return undefined;
  }

  /** The `webhook-id` header: the message id, the same on every try of one event. */
  get webhookId(): string | undefined {
    return this.header(WEBHOOK_ID_HEADER);
  }

  /**
   * The body parsed as JSON.
   * @throws Error saying so when the body is not JSON.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- like fetch's Response.json(), so that a test reads fields without declaring the body's type
  json<T = any>(): T {
    try {
      return JSON.parse(this.body) as T;
    } catch (error) {
      throw new Error(bodyNotJsonMessage(this.url, (error as Error).message));
    }
  }

  /**
   * Whether the request carries a valid Standard Webhooks signature by `secret` (any of them, when several
   * are given), over this exact body, with a timestamp within `options.toleranceSeconds` of when the
   * request was sent (by default; pass `options.nowSeconds` to check against another time).
   * @throws WebhookValidationError naming `secret` when a secret is malformed.
   */
  isSignedWith(
    secret: WebhookVerificationSecret | readonly WebhookVerificationSecret[],
    options: VerifyWebhookOptions = {},
  ): boolean {
    const secrets: Buffer[] = [];
    const publicKeys: KeyObject[] = [];
    for (const [index, entry] of (Array.isArray(secret) ? secret : [secret]).entries()) {
      const field = Array.isArray(secret) ? `secret[${index}]` : 'secret';
      if (Buffer.isBuffer(entry)) secrets.push(entry);
      else if (entry instanceof KeyObject) publicKeys.push(entry.type === 'private' ? createPublicKey(entry) : entry);
      else if (typeof entry === 'string' && entry.startsWith(WEBHOOK_SECRET_PREFIX))
        secrets.push(decodeWebhookSecret(entry, field));
      else if (typeof entry === 'string' && entry.startsWith(PUBLIC_KEY_PREFIX))
        publicKeys.push(decodePublicKey(entry, field));
      else throw new WebhookValidationError(field, verificationSecretReason());
    }
    return verifyWebhook(
      this.body,
      this.headers,
      { secrets, publicKeys },
      { nowSeconds: Math.floor(this.at.getTime() / 1000), ...options },
    );
  }
}
