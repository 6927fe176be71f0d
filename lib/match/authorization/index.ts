export { WEBHOOK_AUTHORIZER } from '../../options/authorization.constants';
export {
  WEBHOOK_AUTHORIZATION_DEFAULTS,
  type RemovedWebhookPrincipal,
  type WebhookAuthorizationOptions,
} from '../../options/authorization.options';
export type { WebhookAuthorizationContext, WebhookAuthorizer } from '../../options/webhook-authorizer.interface';
export { WebhookUnknownPermissionError } from '../../core/errors/webhook-unknown-permission.error';
