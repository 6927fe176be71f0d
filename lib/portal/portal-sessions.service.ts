import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import type { ResolvedWebhooksAdminPrincipal } from '../options/webhooks-admin-principal.interface';
import { WEBHOOKS_ADMIN_OPTIONS } from '../admin/admin.constants';
import type { ResolvedWebhooksAdminOptions } from '../admin/admin.options';
import { WEBHOOKS_PORTAL_OPTIONS } from './portal.constants';
import type { ResolvedWebhooksPortalLinkOptions, ResolvedWebhooksPortalOptions } from './portal.options';
import { isPortalCsrfToken, signPortalToken, verifyPortalToken, type VerifiedPortalToken } from './portal-token.util';

/** The request as the portal reads it, on Express and Fastify alike. */
export interface PortalRequest {
  method?: string;
  url?: string;
  originalUrl?: string;
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What a request's cookie says: no portal session, an invalid one (expired, altered, revoked), or a session. */
export type PortalSessionState =
  { kind: 'none' } | { kind: 'invalid' } | { kind: 'valid'; session: VerifiedPortalToken };

/**
 * The sessions portal links open: a link's token is exchanged for a session cookie carrying the same grant
 * (signed for another purpose), HttpOnly, SameSite=Strict, on the portal's path only, expiring with the link.
 * Nothing is stored: a session is valid while its signature verifies with a configured key and it has not
 * expired, so every instance accepts it, and removing a key ends the sessions it signed.
 */
@Injectable()
export class PortalSessions {
  constructor(
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    @Inject(WEBHOOKS_ADMIN_OPTIONS) private readonly admin: ResolvedWebhooksAdminOptions,
    @Inject(WEBHOOKS_PORTAL_OPTIONS) private readonly portal: ResolvedWebhooksPortalOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The principal a link session acts as: the owner, never an administrator. */
  static principalOf(session: VerifiedPortalToken): ResolvedWebhooksAdminPrincipal {
    return { id: session.grant.owner, isAdmin: false, scope: session.grant.scope ?? '/' };
  }

  /** The session of a link token (verified), or `null` when the link is expired, altered or revoked. */
  exchange(linkToken: unknown): { token: string; session: VerifiedPortalToken } | null {
    const links = this.portal.links;
    const link = links ? verifyPortalToken(linkToken, 'link', links.keys, this.nowSeconds()) : null;
    if (!links || !link) return null;
    const token = signPortalToken(link.grant, 'session', links.keys[0]);
    return { token, session: verifyPortalToken(token, 'session', links.keys, this.nowSeconds())! };
  }

  /** The state of the request's session cookie. */
  stateOf(request: PortalRequest): PortalSessionState {
    const links = this.portal.links;
    if (!links) return { kind: 'none' };
    const value = readCookie(request.headers.cookie, links.cookieName);
    if (value === undefined) return { kind: 'none' };
    const session = verifyPortalToken(value, 'session', links.keys, this.nowSeconds());
    return session ? { kind: 'valid', session } : { kind: 'invalid' };
  }

  /** Whether `request` carries the CSRF token of `session` in its header. */
  hasCsrfToken(session: VerifiedPortalToken, header: unknown): boolean {
    return isPortalCsrfToken(session, header);
  }

  /** Sets the session cookie on the response, expiring with the session. */
  setCookie(request: PortalRequest, response: unknown, token: string, session: VerifiedPortalToken): void {
    const maxAge = Math.max(0, session.grant.expiresAt - this.nowSeconds());
    this.appendCookie(response, `${this.links().cookieName}=${token}; Max-Age=${maxAge}`, request);
  }

  /** Clears the session cookie (sign-out, or a session that no longer verifies). */
  clearCookie(request: PortalRequest, response: unknown): void {
    if (!this.portal.links) return;
    this.appendCookie(response, `${this.links().cookieName}=; Max-Age=0`, request);
  }

  private appendCookie(response: unknown, value: string, request: PortalRequest): void {
    const links = this.links();
    const secure = links.secureCookie === 'auto' ? request.protocol === 'https' : links.secureCookie;
    const cookie = `${value}; Path=${this.cookiePath(request)}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    this.adapterHost.httpAdapter.appendHeader(response, 'Set-Cookie', cookie);
  }

  /**
   * The portal's path as the browser sees it: from `baseUrl` when it is configured (a proxy may strip a
   * prefix), else from the request, which was routed below `<admin>/<portal>` (any global prefix included).
   */
  private cookiePath(request: PortalRequest): string {
    const tail = `/${this.admin.path}/${this.portal.path}`;
    if (this.portal.links?.baseUrl) return `${new URL(this.portal.links.baseUrl).pathname.replace(/\/+$/, '')}${tail}`;
    const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
    const at = path.toLowerCase().lastIndexOf(tail.toLowerCase());
    return at >= 0 && !/[;\s,]/.test(path) ? path.slice(0, at + tail.length) : tail;
  }

  private links(): ResolvedWebhooksPortalLinkOptions {
    return this.portal.links!;
  }

  private nowSeconds(): number {
    return Math.floor(this.options.clock.now() / 1_000);
  }
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
