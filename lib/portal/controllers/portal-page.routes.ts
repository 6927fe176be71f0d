import {
  Get,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
  StreamableFile,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WEBHOOKS_ADMIN_OPTIONS } from '../../admin/admin.constants';
import type { ResolvedWebhooksAdminOptions } from '../../admin/admin.options';
import { WEBHOOKS_PORTAL_OPTIONS } from '../portal.constants';
import { linkRefusedMessage } from '../portal.messages';
import type { ResolvedWebhooksPortalOptions } from '../portal.options';
import { PortalAssets } from '../portal-assets.service';
import { requestPath, setPortalHeaders } from '../portal-http.util';
import { portalBase, renderPortalMessage, renderPortalShell } from '../portal-page.renderer';
import { type PortalRequest, PortalSessions } from '../portal-sessions.service';

const HTML = { 'Content-Type': 'text/html; charset=utf-8' };

/**
 * The portal's page: the HTML that loads the single-page UI. Behind the portal guard (a link session, or the
 * admin API's own guards and principal), so that nobody gets even the empty page without being let in. Not a
 * controller by itself: `forRoot({ admin: { portal } })` derives one with the configured path.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class PortalPageRoutes {
  constructor(
    protected readonly adapterHost: HttpAdapterHost,
    protected readonly assets: PortalAssets,
    @Inject(WEBHOOKS_ADMIN_OPTIONS) protected readonly admin: ResolvedWebhooksAdminOptions,
    @Inject(WEBHOOKS_PORTAL_OPTIONS) protected readonly portal: ResolvedWebhooksPortalOptions,
  ) {}

  @Get()
  page(@Req() request: PortalRequest, @Res({ passthrough: true }) response: unknown): string {
    setPortalHeaders(this.adapterHost, response, HTML);
    const { entry } = this.assets.manifest;
    return renderPortalShell({
      base: portalBase(requestPath(request), `/${this.admin.path}/${this.portal.path}`),
      title: this.portal.title,
      js: entry.js,
      css: entry.css,
      icon: this.assets.get('icon.svg') ? 'icon.svg' : undefined,
    });
  }
}

/**
 * What the portal serves without a sign-in: the exchange of a link for a session (the link is the
 * credential), and the built assets (the package's own files, the same for everyone).
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class PortalPublicRoutes {
  constructor(
    protected readonly adapterHost: HttpAdapterHost,
    protected readonly assets: PortalAssets,
    protected readonly sessions: PortalSessions,
    @Inject(WEBHOOKS_ADMIN_OPTIONS) protected readonly admin: ResolvedWebhooksAdminOptions,
    @Inject(WEBHOOKS_PORTAL_OPTIONS) protected readonly portal: ResolvedWebhooksPortalOptions,
  ) {}

  /**
   * Opens a portal link: a valid token becomes the session cookie, and the answer moves the browser on to the
   * portal's bare URL (the token leaves the address bar). Expired, altered or revoked: 401.
   */
  @Get('link')
  link(
    @Req() request: PortalRequest,
    @Res({ passthrough: true }) response: unknown,
    @Query('token') token: unknown,
  ): string {
    const opened = this.sessions.exchange(token);
    if (!opened) throw new UnauthorizedException(linkRefusedMessage());
    this.sessions.setCookie(request, response, opened.token, opened.session);
    const base = portalBase(requestPath(request).replace(/\/link$/, ''), `/${this.admin.path}/${this.portal.path}`);
    setPortalHeaders(this.adapterHost, response, HTML);
    return renderPortalMessage({
      title: this.portal.title,
      heading: 'Opening the portal…',
      message: 'Your link was accepted.',
      base,
      css: this.assets.manifest.entry.css,
      next: base,
    });
  }

  @Get('assets/:file')
  asset(
    @Req() request: PortalRequest,
    @Res({ passthrough: true }) response: unknown,
    @Param('file') file: string,
  ): StreamableFile {
    const asset = this.assets.get(file);
    if (!asset) throw new NotFoundException(`No portal asset "${file}".`);
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    // Hashed names (portal-<hash>.js) never change content: browsers keep them; the icon is revalidated daily.
    const immutable = /-[A-Z0-9]{8,}\./i.test(file);
    setPortalHeaders(this.adapterHost, response, {
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=86400',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    return new StreamableFile(body, { type: asset.type, length: body.length });
  }
}
