import { WebhookDeliveryAttempt } from './webhook-delivery-attempt.entity';
import { WebhookBreaker, WebhookSubscriptionLimit } from './webhook-delivery-control.entity';
import { WebhookRegistryChange, WebhookRegistryState } from './webhook-registry-state.entity';
import { WebhookSubscriptionEvent } from './webhook-subscription-event.entity';
import { WebhookSubscription } from './webhook-subscription.entity';

export {
  WebhookBreaker,
  WebhookDeliveryAttempt,
  WebhookRegistryChange,
  WebhookRegistryState,
  WebhookSubscription,
  WebhookSubscriptionEvent,
  WebhookSubscriptionLimit,
};

/**
 * Every TypeORM entity of the module: add them to a data source's `entities` when it does not use
 * `autoLoadEntities`.
 */
export const WEBHOOK_ENTITIES = [
  WebhookSubscription,
  WebhookSubscriptionEvent,
  WebhookDeliveryAttempt,
  WebhookRegistryState,
  WebhookRegistryChange,
  WebhookSubscriptionLimit,
  WebhookBreaker,
] as const;
export type { WebhookSubscriptionFields } from './webhook-subscription.entity';
