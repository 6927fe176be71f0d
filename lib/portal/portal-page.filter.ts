import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { adminErrorReply } from '../admin/admin-error.mapper';
import { WEBHOOKS_ADMIN_OPTIONS } from '../admin/admin.constants';
import type { ResolvedWebhooksAdminOptions } from '../admin/admin.options';
import { WEBHOOKS_PORTAL_OPTIONS } from './portal.constants';
import { linkRefusedMessage, portalForbiddenMessage, portalSignInMessage } from './portal.messages';
import type { ResolvedWebhooksPortalOptions } from './portal.options';
import { PortalAssets } from './portal-assets.service';
import { requestPath, setPortalHeaders } from './portal-http.util';
import { portalBase, renderPortalMessage } from './portal-page.renderer';

const HEADINGS: Record<number, string> = {
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
};

/**
 * The exception filter of the portal's pages (not its API): a person opened them in a browser, so refusals
 * are answered as a short HTML page saying what to do, with the right status (401 for a refused link).
 */
@Injectable()
@Catch()
export class WebhooksPortalPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebhooksPortal');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly assets: PortalAssets,
    @Inject(WEBHOOKS_ADMIN_OPTIONS) private readonly admin: ResolvedWebhooksAdminOptions,
    @Inject(WEBHOOKS_PORTAL_OPTIONS) private readonly portal: ResolvedWebhooksPortalOptions,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<{ method?: string; url?: string; originalUrl?: string }>();
    const response = host.switchToHttp().getResponse<unknown>();
    const reply = adminErrorReply(error);
    if (reply.serverFault) {
      this.logger.error(
        `${request.method ?? ''} ${requestPath(request)} failed: ${(error as Error)?.message}`,
        (error as Error)?.stack,
      );
    }
    const path = requestPath(request);
    const isLink = /\/link$/.test(path);
    const message =
      reply.status === 401
        ? isLink
          ? linkRefusedMessage()
          : portalSignInMessage()
        : reply.status === 403
          ? portalForbiddenMessage()
          : reply.body.message;
    const fallback = `/${this.admin.path}/${this.portal.path}`;
    const html = renderPortalMessage({
      title: this.portal.title,
      heading: HEADINGS[reply.status] ?? 'Something went wrong',
      message: String(message),
      base: portalBase(isLink ? path.replace(/\/link$/, '') : path, fallback),
      css: this.assets.manifest?.entry.css,
    });
    setPortalHeaders(this.adapterHost, response, { 'Content-Type': 'text/html; charset=utf-8' });
    this.adapterHost.httpAdapter.reply(response, html, reply.status);
  }
}
