import { Injectable } from '@nestjs/common';
import { DialectRegistry } from '../dialects/dialect.registry';
import type { WebhookAttemptRequest } from '../interfaces/delivery-attempt.interface';
import type { WebhookTransportRequest } from '../transport/webhook-transport.interface';
import type { DeliveryJob } from './delivery-job.interface';
import { unknownDialectAtSendMessage } from './delivery.messages';
import { redactHeaders } from '../security/header-redaction';

export { REDACTED, redactHeaders } from '../security/header-redaction';

/** The request of one try: what is sent, and what is stored of it. */
export interface BuiltRequest {
  request: WebhookTransportRequest;
  stored: WebhookAttemptRequest;
  /** Header names (lower case) whose values are not stored, in the request or echoed in the response. */
  sensitiveHeaders: readonly string[];
}

/**
 * Builds the HTTP request of one try: the body stored when the event was raised, the subscription's
 * dialect's method and headers (computed ones computed now), then `webhook-id` (the same on every try)
 * and `webhook-timestamp` (this try's).
 */
@Injectable()
export class RequestBuilder {
  constructor(private readonly dialects: DialectRegistry) {}

  /** Throws `WebhookDialectError` when the dialect is gone or its headers cannot be sent. */
  build(job: DeliveryJob, now: number): BuiltRequest {
    const { attempt, subscription } = job;
    const dialect = this.dialects.get(subscription.dialect);
    if (!dialect) throw new Error(unknownDialectAtSendMessage(subscription.dialect));
    const { method, headers, sensitiveHeaders } = this.dialects.requestFor(dialect, {
      event: attempt.event,
      messageId: attempt.messageId,
      scope: attempt.scope,
      timestamp: attempt.createdAt,
      subscription,
      attemptId: attempt.id,
      tryNumber: attempt.attemptCount + 1,
    });
    headers['webhook-id'] = attempt.messageId;
    headers['webhook-timestamp'] = String(Math.floor(now / 1000));
    const request = { url: subscription.to, method, headers, body: attempt.request.body };
    return { request, stored: { ...request, headers: redactHeaders(headers, sensitiveHeaders) }, sensitiveHeaders };
  }
}
