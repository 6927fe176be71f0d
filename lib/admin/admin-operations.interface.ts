import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookAttemptStatus } from '../core/attempts/delivery-attempt.interface';
import type { DispatchResult } from '../raise/dispatch.interface';

// The service operations behind the rotate-secret, test, retry and replay routes, as the controllers call them.
// The services gain them in the delivery-semantics work; the controllers reach them through these views so
// that they compile before and after.

/** `WebhookSubscriptions.rotateSecret`. */
export interface SecretRotation {
  rotateSecret(
    id: string,
    options: { secret?: string; overlapMs?: number },
  ): Promise<{ secret: string; publicKey?: string }>;
}

/** `WebhookDispatcher.sendTest`. */
export interface TestEventSender {
  sendTest(subscriptionId: string): Promise<DispatchResult>;
}

/** `WebhookAttempts.retry` and `WebhookAttempts.replay`. */
export interface AttemptRedelivery {
  retry(id: string): Promise<WebhookDeliveryAttempt>;
  replay(filter: { subscriptionId?: string; status?: WebhookAttemptStatus; since?: Date }): Promise<{ count: number }>;
}
