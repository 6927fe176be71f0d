import { Body, Get, HttpCode, Injectable, Param, Post, Query } from '@nestjs/common';
import { WebhookAttempts, type ReplayWebhookAttemptsFilter } from '../../enqueue/webhook-attempts.service';
import { WebhooksAdminAccess } from '../admin-access.service';
import { WebhooksPrincipal } from '../admin-principal.decorator';
import { presentAttempt } from '../admin.presenter';
import {
  ReplayResponse,
  WebhookDeliveryAttemptPageResponse,
  WebhookDeliveryAttemptResponse,
} from '../dto/attempt.response';
import { ListWebhookAttemptsQuery } from '../dto/list-attempts.query';
import { ReplayWebhookAttemptsDto } from '../dto/replay-attempts.dto';
import { ApiRoute } from '../openapi/api-route.decorator';
import type { ResolvedWebhooksAdminPrincipal } from '../../options/webhooks-admin-principal.interface';

const IDS = { id: 'The subscription id.', attemptId: 'The attempt id.' };

/**
 * The delivery-attempt routes of the admin API (a subscription's history, retry, replay). Not a controller
 * by itself: `forRoot({ admin })` derives one with the configured path, guards, pipe and filter.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class WebhookAttemptsAdminController {
  constructor(
    protected readonly attempts: WebhookAttempts,
    protected readonly access: WebhooksAdminAccess,
  ) {}

  @Get('subscriptions/:id/attempts')
  @ApiRoute({
    summary: 'List a subscription’s delivery attempts, newest first',
    type: WebhookDeliveryAttemptPageResponse,
    errors: [404],
    params: { id: IDS.id },
  })
  async list(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
    @Query() query: ListWebhookAttemptsQuery,
  ): Promise<WebhookDeliveryAttemptPageResponse> {
    await this.access.subscription(principal, id);
    const page = await this.attempts.list(id, {
      status: query.status,
      since: query.since === undefined ? undefined : new Date(query.since),
      limit: query.limit,
      cursor: query.cursor,
    });
    return {
      items: page.items.map((attempt) => presentAttempt(attempt, principal.isAdmin)),
      nextCursor: page.nextCursor,
    };
  }

  @Get('subscriptions/:id/attempts/:attemptId')
  @ApiRoute({
    summary: 'Get one attempt: request, response and every try',
    type: WebhookDeliveryAttemptResponse,
    errors: [404],
    params: IDS,
  })
  async get(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
    @Param('attemptId') attemptId: string,
  ): Promise<WebhookDeliveryAttemptResponse> {
    return presentAttempt(await this.access.attempt(principal, id, attemptId), principal.isAdmin);
  }

  @Post('subscriptions/:id/attempts/:attemptId/retry')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Send a resolved attempt again now',
    status: 202,
    type: WebhookDeliveryAttemptResponse,
    errors: [404, 409],
    params: IDS,
  })
  async retry(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
    @Param('attemptId') attemptId: string,
  ): Promise<WebhookDeliveryAttemptResponse> {
    await this.access.attempt(principal, id, attemptId);
    return presentAttempt(await this.attempts.retry(attemptId), principal.isAdmin);
  }

  @Post('attempts/replay')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Send again the attempts that match a filter (by default the failed ones)',
    status: 202,
    type: ReplayResponse,
    errors: [404],
  })
  async replay(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Body() body: ReplayWebhookAttemptsDto,
  ): Promise<ReplayResponse> {
    if (body.subscriptionId === undefined || body.subscriptionId === null) this.access.assertMayReplayAll(principal);
    else await this.access.subscription(principal, body.subscriptionId);
    const { count } = await this.attempts.replay({
      ...(body.subscriptionId ? { subscriptionId: body.subscriptionId } : {}),
      // The DTO lets `pending` through on purpose: the service answers it with its own reason (pending
      // attempts are sent anyway) instead of the pipe's list of statuses.
      ...(body.status ? { status: body.status as ReplayWebhookAttemptsFilter['status'] } : {}),
      ...(body.since ? { since: new Date(body.since) } : {}),
    });
    return { count };
  }
}
