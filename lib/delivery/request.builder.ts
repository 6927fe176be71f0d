import { Injectable } from '@nestjs/common';
import type { WebhookAttemptRequest } from '../interfaces/delivery-attempt.interface';
import type { WebhookTransportRequest } from '../transport/webhook-transport.interface';
import { WEBHOOKS_USER_AGENT } from '../webhooks.version';
import type { DeliveryJob } from './delivery-job.interface';

/** Headers whose values never reach the stored history. */
const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'webhook-signature', 'x-api-key']);

/** What replaces a sensitive header's value in stored requests. */
export const REDACTED = '[redacted]';

/** A request's headers as they may be stored: sensitive values replaced. */
export function redactHeaders(headers: Record<string, string>, sensitive: ReadonlySet<string> = SENSITIVE_HEADERS): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) stored[name] = sensitive.has(name.toLowerCase()) ? REDACTED : value;
  return stored;
}

/**
 * Builds the HTTP request of one try: the body stored when the event was raised, and headers made for this
 * try (`webhook-timestamp` changes with every try; `webhook-id` never does).
 */
@Injectable()
export class RequestBuilder {
  build(job: DeliveryJob, now: number): { request: WebhookTransportRequest; stored: WebhookAttemptRequest } {
    const { attempt } = job;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': WEBHOOKS_USER_AGENT,
      'webhook-id': attempt.messageId,
      'webhook-timestamp': String(Math.floor(now / 1000)),
    };
    const request = { url: attempt.request.url, method: attempt.request.method, headers, body: attempt.request.body };
    return { request, stored: { ...request, headers: redactHeaders(headers) } };
  }
}
