import type { ResolvedDestination } from '../core/security/destination.interface';

/** One HTTP request of a try, as built by the dialect and signer. */
export interface WebhookTransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** What the transport read of the response. */
export interface WebhookTransportResponse {
  statusCode: number;
  reason: string;
  headers: Record<string, string>;
  /** The body, cut at `maxResponseBodyBytes` without splitting a UTF-8 character. */
  body: string;
  truncated: boolean;
}

/** How to send one request. */
export interface WebhookTransportOptions {
  /** The checked address to connect to (never resolved again), with the host name for TLS. */
  destination: ResolvedDestination;
  /** Time (ms) to wait for the response head, and between parts of its body (a body still arriving at twice this is cut off). */
  timeout: number;
  /** Time allowed to connect (ms). */
  connectTimeout: number;
  /** Response body bytes to keep; the rest is not read. */
  maxResponseBodyBytes: number;
  signal?: AbortSignal;
}

/**
 * Sends webhook requests. Implementations never follow redirects, connect only to
 * `options.destination.address`, and reject on network errors and timeouts (the engine records them).
 */
export abstract class WebhookTransport {
  abstract send(request: WebhookTransportRequest, options: WebhookTransportOptions): Promise<WebhookTransportResponse>;

  /** Releases pooled connections. */
  async close(): Promise<void> {}
}
