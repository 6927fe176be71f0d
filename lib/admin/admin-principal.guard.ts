import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { isScope } from '../core/scopes/scope-path.util';
import { WEBHOOKS_ADMIN_OPTIONS } from './admin.constants';
import { invalidPrincipalMessage, unauthenticatedMessage } from './admin.messages';
import type { ResolvedWebhooksAdminOptions } from './admin.options';
import type {
  ResolvedWebhooksAdminPrincipal,
  WebhooksAdminPrincipal,
} from '../options/webhooks-admin-principal.interface';

// Keyed by the framework's request object, which Express and Fastify both hand to guards and param decorators.
const principals = new WeakMap<object, ResolvedWebhooksAdminPrincipal>();

/** The principal the guard resolved for `request`, if any. */
export function principalOf(request: object): ResolvedWebhooksAdminPrincipal | undefined {
  return principals.get(request);
}

/**
 * Keeps `principal` for `request`, for `@WebhooksPrincipal()`: what another guard that authenticated the
 * request by other means (the portal's link sessions) does instead of this one.
 */
export function rememberPrincipal(request: object, principal: ResolvedWebhooksAdminPrincipal): void {
  principals.set(request, principal);
}

/**
 * The last guard of every admin route: resolves the principal with `admin.principal(request)` after the
 * application's guards have run, answers 401 when there is none, and keeps it for `@WebhooksPrincipal()`.
 */
@Injectable()
export class WebhooksAdminPrincipalGuard implements CanActivate {
  constructor(@Inject(WEBHOOKS_ADMIN_OPTIONS) private readonly options: ResolvedWebhooksAdminOptions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<object>();
    const principal = await this.options.principal(request);
    if (principal === null || principal === undefined) throw new UnauthorizedException(unauthenticatedMessage());
    rememberPrincipal(request, resolvePrincipal(principal));
    return true;
  }
}

/**
 * Validates what the resolver returned. A malformed principal is the application's mistake, not the
 * caller's: it fails loudly (a 500, logged) instead of granting or denying something by accident.
 */
export function resolvePrincipal(principal: WebhooksAdminPrincipal): ResolvedWebhooksAdminPrincipal {
  if (typeof principal !== 'object') throw invalid(`${typeof principal} instead of an object`);
  const { id, isAdmin, scope } = principal;
  const text = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
  if (typeof text !== 'string' || text.trim() === '' || text.length > 255) {
    throw invalid('an "id" that is not a non-empty string (or number) of at most 255 characters');
  }
  if (typeof isAdmin !== 'boolean') throw invalid('an "isAdmin" that is not true or false');
  if (scope !== undefined && scope !== null && !isScope(scope))
    throw invalid(`a "scope" that is not a scope path (${JSON.stringify(scope)})`);
  return { id: text, isAdmin, scope: scope ?? (isAdmin ? null : '/') };
}

function invalid(problem: string): WebhooksConfigurationError {
  return new WebhooksConfigurationError(invalidPrincipalMessage(problem), 'admin.principal');
}
