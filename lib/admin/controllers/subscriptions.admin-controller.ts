import { Body, Delete, Get, HttpCode, Injectable, Param, Patch, Post, Query } from '@nestjs/common';
import { WebhookDispatcher } from '../../raise/webhook-dispatcher.service';
import type {
  CreateWebhookSubscriptionInput,
  RotateWebhookSecretInput,
  UpdateWebhookSubscriptionInput,
} from '../../match/subscriptions/subscription-input.interface';
import { WebhookSubscriptions } from '../../match/subscriptions/webhook-subscriptions.service';
import { WebhooksAdminAccess } from '../admin-access.service';
import { WebhooksPrincipal } from '../admin-principal.decorator';
import { presentCreatedSubscription, presentSubscription } from '../admin.presenter';
import { CreateWebhookSubscriptionDto } from '../dto/create-subscription.dto';
import { DeactivateWebhookSubscriptionDto } from '../dto/deactivate-subscription.dto';
import { ListWebhookSubscriptionsQuery } from '../dto/list-subscriptions.query';
import { RotateWebhookSecretDto } from '../dto/rotate-secret.dto';
import {
  CreatedWebhookSubscriptionResponse,
  RotatedSecretResponse,
  TestEventResponse,
  WebhookSubscriptionPageResponse,
  WebhookSubscriptionResponse,
} from '../dto/subscription.response';
import { UpdateWebhookSubscriptionDto } from '../dto/update-subscription.dto';
import { ApiRoute } from '../openapi/api-route.decorator';
import type { ResolvedWebhooksAdminPrincipal } from '../../options/webhooks-admin-principal.interface';
import { definedFields } from './defined-fields';

const ID = { id: 'The subscription id.' };

/**
 * The subscription routes of the admin API. Not a controller by itself: `forRoot({ admin })` derives one
 * with the configured path, guards, pipe and filter.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class WebhookSubscriptionsAdminController {
  constructor(
    protected readonly subscriptions: WebhookSubscriptions,
    protected readonly dispatcher: WebhookDispatcher,
    protected readonly access: WebhooksAdminAccess,
  ) {}

  @Get('subscriptions')
  @ApiRoute({
    summary: 'List subscriptions (the caller’s own unless an administrator)',
    type: WebhookSubscriptionPageResponse,
  })
  async list(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Query() query: ListWebhookSubscriptionsQuery,
  ): Promise<WebhookSubscriptionPageResponse> {
    const filter = this.access.listFilter(principal, query);
    if (!filter) return { items: [], nextCursor: null };
    const page = await this.subscriptions.list(filter);
    return { items: page.items.map(presentSubscription), nextCursor: page.nextCursor };
  }

  @Post('subscriptions')
  @HttpCode(201)
  @ApiRoute({
    summary: 'Create a subscription (its secret is shown once)',
    status: 201,
    type: CreatedWebhookSubscriptionResponse,
  })
  async create(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Body() body: CreateWebhookSubscriptionDto,
  ): Promise<CreatedWebhookSubscriptionResponse> {
    const input = this.access.createInput(principal, definedFields<CreateWebhookSubscriptionInput>(body));
    return presentCreatedSubscription(await this.subscriptions.create(input));
  }

  @Get('subscriptions/:id')
  @ApiRoute({ summary: 'Get a subscription', type: WebhookSubscriptionResponse, errors: [404], params: ID })
  async get(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
  ): Promise<WebhookSubscriptionResponse> {
    return presentSubscription(await this.access.subscription(principal, id));
  }

  @Patch('subscriptions/:id')
  @ApiRoute({
    summary: 'Change the target, events, dialect, description, metadata or (administrators) owner, permission, retry',
    type: WebhookSubscriptionResponse,
    errors: [404, 409],
    params: ID,
  })
  async update(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
    @Body() body: UpdateWebhookSubscriptionDto,
  ): Promise<WebhookSubscriptionResponse> {
    await this.access.subscription(principal, id);
    const input = this.access.updateInput(principal, definedFields<UpdateWebhookSubscriptionInput>(body));
    return presentSubscription(await this.subscriptions.update(id, input));
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a subscription and its history', status: 204, errors: [404, 409], params: ID })
  async remove(@WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal, @Param('id') id: string): Promise<void> {
    await this.access.subscription(principal, id);
    await this.subscriptions.delete(id);
  }

  @Post('subscriptions/:id/activate')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Activate (resets the failure counts)',
    type: WebhookSubscriptionResponse,
    errors: [404],
    params: ID,
  })
  async activate(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
  ): Promise<WebhookSubscriptionResponse> {
    await this.access.subscription(principal, id);
    await this.subscriptions.activate(id);
    return presentSubscription(await this.subscriptions.get(id));
  }

  @Post('subscriptions/:id/deactivate')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Deactivate (no new deliveries; history kept)',
    type: WebhookSubscriptionResponse,
    errors: [404],
    params: ID,
  })
  async deactivate(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
    @Body() body: DeactivateWebhookSubscriptionDto,
  ): Promise<WebhookSubscriptionResponse> {
    await this.access.subscription(principal, id);
    await this.subscriptions.deactivate(id, body.statusMessage ?? undefined);
    return presentSubscription(await this.subscriptions.get(id));
  }

  @Post('subscriptions/:id/rotate-secret')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Rotate the signing secret (the new one is shown once)',
    type: RotatedSecretResponse,
    errors: [404, 409],
    params: ID,
  })
  async rotateSecret(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<RotatedSecretResponse> {
    await this.access.subscription(principal, id);
    const rotated = await this.subscriptions.rotateSecret(id, definedFields<RotateWebhookSecretInput>(body));
    return { secret: rotated.secret, ...(rotated.publicKey ? { publicKey: rotated.publicKey } : {}) };
  }

  @Post('subscriptions/:id/test')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Send a test event to this subscription',
    status: 202,
    type: TestEventResponse,
    errors: [404],
    params: ID,
  })
  async sendTest(
    @WebhooksPrincipal() principal: ResolvedWebhooksAdminPrincipal,
    @Param('id') id: string,
  ): Promise<TestEventResponse> {
    await this.access.subscription(principal, id);
    const result = await this.dispatcher.sendTest(id);
    return {
      messageId: result.messageId,
      attempts: result.attempts.map(({ id: attemptId, subscriptionId }) => ({ id: attemptId, subscriptionId })),
    };
  }
}
