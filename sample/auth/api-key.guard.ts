import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { WebhooksAdminPrincipal } from '../../lib';
import { principalForApiKey, type SamplePrincipal } from './sample-principals';
import { SAMPLE_SESSION_COOKIE } from './sign-in.controller';

/** The header the sample's API keys travel in. */
export const API_KEY_HEADER = 'x-api-key';

/** The request as the guard leaves it: the principal of the key, for `adminPrincipal`. */
interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: SamplePrincipal;
}

/**
 * The sample's authentication: a known `x-api-key` header — or, from a browser signed in at `/sign-in`, the
 * cookie holding the key — lets the request through (403 otherwise) and puts its principal on the request.
 * Stands in for the application's real guard (passport, JWT, a session...).
 */
@Injectable()
export class SampleApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers[API_KEY_HEADER];
    const key = typeof header === 'string' ? header : cookieValue(request.headers.cookie, SAMPLE_SESSION_COOKIE);
    request.principal = principalForApiKey(key);
    return request.principal !== undefined;
  }
}

/**
 * `admin.principal`: who calls the admin API, from what the guard found. Administrators manage every
 * scope; the others their own subscriptions on their scope's branch.
 */
export function adminPrincipal(request: AuthenticatedRequest): WebhooksAdminPrincipal | null {
  const principal = request.principal;
  if (!principal) return null;
  return principal.isAdmin
    ? { id: principal.id, isAdmin: true }
    : { id: principal.id, isAdmin: false, scope: principal.scope };
}

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const pair = (typeof header === 'string' ? header : '').split(/;\s*/).find((part) => part.startsWith(`${name}=`));
  return pair?.slice(name.length + 1);
}
