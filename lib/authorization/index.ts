export { WEBHOOK_AUTHORIZER } from './authorization.constants';
export {
  WEBHOOK_AUTHORIZATION_DEFAULTS,
  type RemovedWebhookPrincipal,
  type WebhookAuthorizationOptions,
} from './authorization.options';
export type { WebhookAuthorizationContext, WebhookAuthorizer } from './webhook-authorizer.interface';
export { WebhookUnknownPermissionError } from './webhook-unknown-permission.error';
