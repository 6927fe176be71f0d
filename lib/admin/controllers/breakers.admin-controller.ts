import { ForbiddenException, Get, Inject, Injectable } from '@nestjs/common';
import { WEBHOOK_BREAKER_STORE, type WebhookBreakerStore } from '../../stores/breaker-store.interface';
import type { ResolvedWebhooksAdminPrincipal } from '../../options/webhooks-admin-principal.interface';
import { WebhooksPrincipal } from '../admin-principal.decorator';
import { WebhookBreakerListResponse } from '../dto/breaker.response';
import { ApiRoute } from '../openapi/api-route.decorator';

/**
 * The circuit-breaker route of the admin API: the state of every target host's breaker, for administrators
 * (the hosts are every tenant's targets). Not a controller by itself: `forRoot({ admin })` derives one.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class WebhookBreakersAdminController {
  constructor(@Inject(WEBHOOK_BREAKER_STORE) protected readonly breakers: WebhookBreakerStore) {}

  @Get('breakers')
  @ApiRoute({
    summary: 'List the circuit breakers of the target hosts (administrators)',
    type: WebhookBreakerListResponse,
  })
  async list(@WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal): Promise<WebhookBreakerListResponse> {
    if (!principal.isAdmin) throw new ForbiddenException('Only administrators see the circuit breakers.');
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      items: (await this.breakers.list()).map((b) => ({
        host: b.host,
        state: b.state,
        consecutiveFailures: b.consecutiveFailures,
        windowTries: b.windowTries,
        windowFailures: b.windowFailures,
        openUntil: iso(b.state === 'open' ? b.openUntil : null),
        changedAt: iso(b.changedAt)!,
      })),
    };
  }
}
