import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  type OnModuleInit,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { rememberPrincipal, WebhooksAdminPrincipalGuard } from '../admin/admin-principal.guard';
import { WEBHOOKS_ADMIN_OPTIONS } from '../admin/admin.constants';
import type { ResolvedWebhooksAdminOptions } from '../admin/admin.options';
import { PORTAL_CSRF_HEADER } from './portal.constants';
import { csrfRefusedMessage, portalForbiddenMessage, sessionEndedMessage } from './portal.messages';
import { setPortalHeaders } from './portal-http.util';
import { type PortalRequest, PortalSessions } from './portal-sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one guard of the portal's page and API. A request with a portal session cookie acts as the link's
 * owner (and is refused, its cookie cleared, when the session no longer verifies); any other request goes
 * through exactly what guards the admin API — the application's `admin.guards`, then `admin.principal`.
 *
 * Requests that change something must come from the portal page: a same-origin fetch (`Sec-Fetch-Site`,
 * when the browser sends it) carrying the `x-webhooks-csrf` header — for link sessions, the CSRF token
 * bound to the session. A custom header cannot be sent cross-origin without a CORS preflight, and the
 * session cookie is SameSite=Strict, so a forged request from another site fails twice.
 */
@Injectable()
export class WebhooksPortalGuard implements CanActivate, OnModuleInit {
  private guards: CanActivate[] = [];

  constructor(
    @Inject(WEBHOOKS_ADMIN_OPTIONS) private readonly admin: ResolvedWebhooksAdminOptions,
    private readonly sessions: PortalSessions,
    private readonly principalGuard: WebhooksAdminPrincipalGuard,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    // Guard classes are instantiated here as @UseGuards would: in the webhooks module, with `admin.imports`.
    this.guards = await Promise.all(
      this.admin.guards.map((guard) =>
        typeof guard === 'function' ? this.moduleRef.create(guard) : Promise.resolve(guard),
      ),
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<PortalRequest & object>();
    // Here rather than in an interceptor: refusals (thrown by this guard) carry the headers too.
    setPortalHeaders(this.adapterHost, http.getResponse());
    const unsafe = !SAFE_METHODS.has((request.method ?? 'GET').toUpperCase());
    if (unsafe) this.refuseCrossSite(request);
    const state = this.sessions.stateOf(request);
    if (state.kind === 'invalid') {
      this.sessions.clearCookie(request, http.getResponse());
      throw new UnauthorizedException(sessionEndedMessage());
    }
    if (state.kind === 'valid') {
      if (unsafe && !this.sessions.hasCsrfToken(state.session, request.headers[PORTAL_CSRF_HEADER])) {
        throw new ForbiddenException(csrfRefusedMessage());
      }
      rememberPrincipal(request, PortalSessions.principalOf(state.session));
      return true;
    }
    for (const guard of this.guards) {
      const result = guard.canActivate(context);
      const allowed = isObservable(result) ? await lastValueFrom(result) : await result;
      if (!allowed) throw new ForbiddenException(portalForbiddenMessage());
    }
    return this.principalGuard.canActivate(context);
  }

  /** Refuses a change that did not come from a page of this origin with the portal's header. */
  private refuseCrossSite(request: PortalRequest): void {
    const site = request.headers['sec-fetch-site'];
    const header = request.headers[PORTAL_CSRF_HEADER];
    if ((site !== undefined && site !== 'same-origin') || typeof header !== 'string' || header === '') {
      throw new ForbiddenException(csrfRefusedMessage());
    }
  }
}
