import { Body, Delete, HttpCode, Injectable, Param, Post } from '@nestjs/common';
import { WebhookValidationError } from '../../core/errors/webhooks.errors';
import { WebhookSubscriptions } from '../../match/subscriptions/webhook-subscriptions.service';
import { WebhooksAdminAccess } from '../admin-access.service';
import { WebhooksPrincipal } from '../admin-principal.decorator';
import { RestHookSubscribeDto } from '../dto/rest-hook-subscribe.dto';
import { RestHookResponse } from '../dto/subscription.response';
import { ApiRoute } from '../openapi/api-route.decorator';
import type { ResolvedWebhooksAdminPrincipal } from '../../options/webhooks-admin-principal.interface';

// The service names its fields after the programmatic API; a REST Hooks client sent these.
const REST_HOOK_FIELDS: Record<string, string> = { to: 'target_url', events: 'event', 'events[0]': 'event' };

/**
 * REST Hooks (Zapier) compatibility: subscribe with `{ target_url, event }`, unsubscribe with DELETE. A
 * subscription made here is an ordinary one, owned by the caller (who may hold several to one event). Not
 * a controller by itself: `forRoot({ admin })` derives one with the configured path, guards, pipe and filter.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class RestHooksAdminController {
  constructor(
    protected readonly subscriptions: WebhookSubscriptions,
    protected readonly access: WebhooksAdminAccess,
  ) {}

  @Post('hooks')
  @HttpCode(201)
  @ApiRoute({ summary: 'REST Hooks subscribe: { target_url, event } → { id }', status: 201, type: RestHookResponse })
  async subscribe(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Body() body: RestHookSubscribeDto,
  ): Promise<RestHookResponse> {
    try {
      const metadata =
        typeof body.subscription_url === 'string' ? { subscription_url: body.subscription_url } : undefined;
      const subscription = await this.subscriptions.create(
        this.access.createInput(principal, {
          to: body.target_url,
          events: [body.event],
          ...(metadata ? { metadata } : {}),
        }),
      );
      return { id: subscription.id };
    } catch (error) {
      if (error instanceof WebhookValidationError && REST_HOOK_FIELDS[error.field]) {
        throw new WebhookValidationError(REST_HOOK_FIELDS[error.field], error.reason);
      }
      throw error;
    }
  }

  @Delete('hooks/:id')
  @HttpCode(204)
  @ApiRoute({
    summary: 'REST Hooks unsubscribe',
    status: 204,
    errors: [404, 409],
    params: { id: 'The id the subscribe call returned.' },
  })
  async unsubscribe(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
  ): Promise<void> {
    await this.access.subscription(principal, id);
    await this.subscriptions.delete(id);
  }
}
