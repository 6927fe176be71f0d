import { WebhooksError } from './webhooks.errors';
import { unknownPermissionMessage } from '../messages/authorization.messages';

/**
 * Thrown by a {@link WebhookAuthorizer}'s `isAllowed` when it does not know the permission it is asked
 * about. The module counts it as a precondition failure of the subscription, never as a plain denial: a
 * subscription naming a permission that does not exist is misconfigured, and is deactivated after enough
 * of them instead of failing silently forever.
 *
 * ```ts
 * isAllowed(user: User, permission: string) {
 *   const check = this.checks[permission];
 *   if (!check) throw new WebhookUnknownPermissionError(permission);
 *   return check(user);
 * }
 * ```
 */
export class WebhookUnknownPermissionError extends WebhooksError {
  constructor(
    /** The permission that is not defined. */
    readonly permission: string,
    message: string = unknownPermissionMessage(permission),
  ) {
    super(message);
  }
}
