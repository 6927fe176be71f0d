import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { principalOf } from './admin-principal.guard';
import { unauthenticatedMessage } from './admin.messages';

/**
 * Injects the {@link ResolvedWebhooksAdminPrincipal} of the request into an admin route handler (resolved by
 * {@link WebhooksAdminPrincipalGuard}).
 */
export const WebhooksPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const principal = principalOf(context.switchToHttp().getRequest<object>());
  // Only reachable if a route were served without the guard: refuse rather than act for nobody.
  if (!principal) throw new UnauthorizedException(unauthenticatedMessage());
  return principal;
});
