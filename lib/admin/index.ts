export { WebhooksAdminAccess } from './admin-access.service';
export { WebhooksPrincipal } from './admin-principal.decorator';
export { WEBHOOKS_ADMIN_DEFAULTS, WEBHOOKS_ADMIN_OPTIONS } from './admin.constants';
export type { ResolvedWebhooksAdminOptions } from './admin.options';
export { WebhooksAdminExceptionFilter } from './admin-exception.filter';
export { WebhooksAdminPrincipalGuard } from './admin-principal.guard';
export { WebhooksAdminValidationPipe } from './admin-validation.pipe';
export { WebhookAttemptsAdminController } from './controllers/attempts.admin-controller';
export { WebhookEventTypesAdminController } from './controllers/event-types.admin-controller';
export { RestHooksAdminController } from './controllers/rest-hooks.admin-controller';
export { WebhookSubscriptionsAdminController } from './controllers/subscriptions.admin-controller';
export { AdminErrorResponse, AdminFieldErrorResponse } from './dto/admin-error.response';
export { ReplayResponse, WebhookDeliveryAttemptPageResponse, WebhookDeliveryAttemptResponse } from './dto/attempt.response';
export { CreateWebhookSubscriptionDto } from './dto/create-subscription.dto';
export { DeactivateWebhookSubscriptionDto } from './dto/deactivate-subscription.dto';
export { WebhookEventTypeListResponse, WebhookEventTypeResponse } from './dto/event-type.response';
export { ATTEMPT_STATUSES, ListWebhookAttemptsQuery } from './dto/list-attempts.query';
export { ListWebhookSubscriptionsQuery } from './dto/list-subscriptions.query';
export { ReplayWebhookAttemptsDto } from './dto/replay-attempts.dto';
export { RestHookSubscribeDto } from './dto/rest-hook-subscribe.dto';
export { RotateWebhookSecretDto } from './dto/rotate-secret.dto';
export {
  CreatedWebhookSubscriptionResponse,
  RestHookResponse,
  RotatedSecretResponse,
  ScheduledAttemptResponse,
  TestEventResponse,
  WebhookSubscriptionPageResponse,
  WebhookSubscriptionResponse,
} from './dto/subscription.response';
export { UpdateWebhookSubscriptionDto } from './dto/update-subscription.dto';
export type * from '../options/webhooks-admin-options.interface';
export type * from '../options/webhooks-admin-principal.interface';
