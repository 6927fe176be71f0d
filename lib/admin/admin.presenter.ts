import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { WebhookDeliveryAttemptResponse } from './dto/attempt.response';
import type { CreatedWebhookSubscriptionResponse, WebhookSubscriptionResponse } from './dto/subscription.response';

// Responses list their fields one by one: a column added to the entities later (a secret, say) stays out of
// the API until someone decides to show it.

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** A subscription as the admin API shows it. */
export function presentSubscription(subscription: WebhookSubscription): WebhookSubscriptionResponse {
  return {
    id: subscription.id,
    scope: subscription.scope,
    owner: subscription.ownerId,
    events: [...subscription.events],
    to: subscription.to,
    dialect: subscription.dialect,
    permission: subscription.permission,
    active: subscription.active,
    statusMessage: subscription.statusMessage,
    description: subscription.description,
    metadata: subscription.metadata,
    consecutiveFailures: subscription.consecutiveFailures,
    preconditionFailures: subscription.preconditionFailures,
    static: subscription.staticKey !== null,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}

/** A subscription just created, with its one-time `secret` (and `publicKey`) when the service gave them. */
export function presentCreatedSubscription(subscription: WebhookSubscription): CreatedWebhookSubscriptionResponse {
  const { secret, publicKey } = subscription as WebhookSubscription & { secret?: unknown; publicKey?: unknown };
  return {
    ...presentSubscription(subscription),
    ...(typeof secret === 'string' ? { secret } : {}),
    ...(typeof publicKey === 'string' ? { publicKey } : {}),
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
