import type { HttpAdapterHost } from '@nestjs/core';
import { PORTAL_SECURITY_HEADERS } from './portal-page.renderer';

/** Sets the portal's security headers (CSP, no-store, nosniff…) and `extra` on a response, on Express or Fastify. */
export function setPortalHeaders(
  adapterHost: HttpAdapterHost,
  response: unknown,
  extra: Record<string, string> = {},
): void {
  for (const [name, value] of Object.entries({ ...PORTAL_SECURITY_HEADERS, ...extra })) {
    adapterHost.httpAdapter.setHeader(response, name, value);
  }
}

/** The path of a request as routed (Express's `originalUrl` keeps what a mounted router strips). */
export const requestPath = (request: { originalUrl?: string; url?: string }): string =>
  (request.originalUrl ?? request.url ?? '').split('?')[0];
