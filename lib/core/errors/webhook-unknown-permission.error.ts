import { WebhooksError } from './webhooks.errors';
import { unknownPermissionMessage } from '../messages/authorization.messages';

/**
 * Thrown by a {@link WebhookAuthorizer}'s `isAllowed` when it does not know the permission it is asked
 * about. The module counts it as a precondition failure of the subscription (the seed treats a permission
 * it cannot find the same way), never as a plain denial.
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
