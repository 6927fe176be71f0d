import { Delete, Get, HttpCode, Inject, Injectable, Query, Req, Res } from '@nestjs/common';
import { WebhookValidationError } from '../../core/errors/webhooks.errors';
import type { ResolvedWebhooksAdminPrincipal } from '../../options/webhooks-admin-principal.interface';
import { WebhooksPrincipal } from '../../admin/admin-principal.decorator';
import { PORTAL_LIMITS, WEBHOOKS_PORTAL_OPTIONS } from '../portal.constants';
import { statsIdsReason } from '../portal.messages';
import type { ResolvedWebhooksPortalOptions } from '../portal.options';
import { portalCsrfToken } from '../portal-token.util';
import { type PortalRequest, PortalSessions } from '../portal-sessions.service';
import { type PortalDeliveryStats, PortalStats } from '../portal-stats.service';

/** Who the page acts as, and what it needs to run. */
export interface PortalSessionResponse {
  principal: ResolvedWebhooksAdminPrincipal;
  /** `link`: a portal link's session; `application`: the application's own sign-in. */
  mode: 'link' | 'application';
  /** The value of the `x-webhooks-csrf` header of changes: bound to a link session; any non-empty value otherwise. */
  csrfToken: string;
  /** When a link session ends (ISO 8601), else `null`. */
  expiresAt: string | null;
  title: string;
  pollInterval: number;
}

/**
 * The portal's own routes beside the admin routes it reuses: who the page acts as, the end of a link
 * session, and delivery statistics for the list. Not a controller by itself: `forRoot({ admin: { portal } })`
 * derives one under `<admin>/<portal>/api`, behind the portal guard.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class PortalApiRoutes {
  constructor(
    protected readonly sessions: PortalSessions,
    protected readonly stats: PortalStats,
    @Inject(WEBHOOKS_PORTAL_OPTIONS) protected readonly portal: ResolvedWebhooksPortalOptions,
  ) {}

  @Get('session')
  session(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Req() request: PortalRequest,
  ): PortalSessionResponse {
    const state = this.sessions.stateOf(request);
    const link = state.kind === 'valid' ? state.session : null;
    return {
      principal,
      mode: link ? 'link' : 'application',
      // The application's sign-in has no session of ours to bind a token to: the custom header itself (which
      // a cross-site form cannot send) and the same-origin check guard its changes.
      csrfToken: link ? portalCsrfToken(link) : 'application',
      expiresAt: link ? new Date(link.grant.expiresAt * 1_000).toISOString() : null,
      title: this.portal.title,
      pollInterval: this.portal.pollInterval,
    };
  }

  /** Ends a link session (clears its cookie); nothing to end for the application's sign-in. */
  @Delete('session')
  @HttpCode(204)
  endSession(@Req() request: PortalRequest, @Res({ passthrough: true }) response: unknown): void {
    this.sessions.clearCookie(request, response);
  }

  /** Delivery statistics of the subscriptions `ids` (comma-separated) that the caller may see. */
  @Get('delivery-stats')
  async deliveryStats(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Query('ids') ids: unknown,
  ): Promise<{ items: PortalDeliveryStats[] }> {
    const list = typeof ids === 'string' ? ids.split(',').filter((id) => id !== '') : [];
    if (list.length === 0 || list.length > PORTAL_LIMITS.statsIds) {
      throw new WebhookValidationError('ids', statsIdsReason(PORTAL_LIMITS.statsIds));
    }
    return { items: await this.stats.forSubscriptions(principal, [...new Set(list)]) };
  }
}
