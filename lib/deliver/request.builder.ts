import { Injectable } from '@nestjs/common';
import { DialectRegistry } from './dialects/dialect.registry';
import { SubscriptionSigner } from './subscription.signer';
import { WEBHOOK_SIGNATURE_HEADER } from '../core/signing/webhook-signature.util';
import type { WebhookAttemptRequest } from '../core/attempts/delivery-attempt.interface';
import type { WebhookTransportRequest } from '../options/webhook-transport.interface';
import type { DeliveryJob } from './delivery-job.interface';
import { unknownDialectAtSendMessage } from '../core/messages/delivery.messages';
import { redactHeaders } from '../core/security/header-redaction.util';

export { REDACTED, redactHeaders } from '../core/security/header-redaction.util';

/** The request of one try: what is sent, and what is stored of it. */
export interface BuiltRequest {
  request: WebhookTransportRequest;
  stored: WebhookAttemptRequest;
  /** Header names (lower case) whose values are not stored, in the request or echoed in the response. */
  sensitiveHeaders: readonly string[];
}

/**
 * Builds the HTTP request of one try: the body stored when the event was raised, the subscription's
 * dialect's method and headers (computed ones computed now), then `webhook-id` (the same on every try),
 * `webhook-timestamp` (this try's) and, when the subscription has secrets, `webhook-signature` (one
 * signature per live secret; redacted in the stored request).
 */
@Injectable()
export class RequestBuilder {
  constructor(
    private readonly dialects: DialectRegistry,
    private readonly signer: SubscriptionSigner,
  ) {}

  /**
   * Throws `WebhookDialectError` when the dialect is gone or its headers cannot be sent, and
   * `WebhookSecretDecryptionError` / `WebhookStoredSecretError` when a stored secret cannot sign.
   */
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
    const timestamp = Math.floor(now / 1000);
    headers['webhook-id'] = attempt.messageId;
    headers['webhook-timestamp'] = String(timestamp);
    const signature = this.signer.sign(subscription, attempt.messageId, timestamp, attempt.request.body, now);
    if (signature !== '') headers[WEBHOOK_SIGNATURE_HEADER] = signature;
    const request = { url: subscription.to, method, headers, body: attempt.request.body };
    return { request, stored: { ...request, headers: redactHeaders(headers, sensitiveHeaders) }, sensitiveHeaders };
  }
}
