import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { WebhookDeliveryAttemptResponse } from './dto/attempt.response';
import type { CreatedWebhookSubscriptionResponse, WebhookSubscriptionResponse } from './dto/subscription.response';

// Responses list their fields one by one (the subscription's through its toJSON()): a column added to the entities
// later (a secret, say) stays out of the API until someone decides to show it.

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** A subscription as the admin API shows it: what it serializes to, with its times as ISO strings. */
export function presentSubscription(subscription: WebhookSubscription): WebhookSubscriptionResponse {
  const { secret: _secret, publicKey: _publicKey, ...fields } = subscription.toJSON();
  return {
    ...fields,
    pausedUntil: iso(fields.pausedUntil),
    createdAt: fields.createdAt.toISOString(),
    updatedAt: fields.updatedAt.toISOString(),
  };
}

/** A subscription just created, with its one-time `secret` (and `publicKey`) when the service gave them. */
export function presentCreatedSubscription(subscription: WebhookSubscription): CreatedWebhookSubscriptionResponse {
  const { secret, publicKey } = subscription.toJSON();
  return {
    ...presentSubscription(subscription),
    ...(secret === undefined ? {} : { secret }),
    ...(publicKey === undefined ? {} : { publicKey }),
  };
}

/** An attempt as the admin API shows it; its internal information to administrators only. */
export function presentAttempt(attempt: WebhookDeliveryAttempt, isAdmin: boolean): WebhookDeliveryAttemptResponse {
  return {
    id: attempt.id,
    subscriptionId: attempt.subscriptionId,
    messageId: attempt.messageId,
    event: attempt.event,
    scope: attempt.scope,
    status: attempt.status,
    message: attempt.message,
    request: { ...attempt.request },
    response: attempt.response ? { ...attempt.response } : null,
    tries: attempt.tries.map((t) => ({ ...t })),
    attemptCount: attempt.attemptCount,
    nextAttemptAt: iso(attempt.nextAttemptAt),
    createdAt: attempt.createdAt.toISOString(),
    resolvedAt: iso(attempt.resolvedAt),
    ...(isAdmin ? { internalInfo: { ...attempt.internalInfo } } : {}),
  };
}
