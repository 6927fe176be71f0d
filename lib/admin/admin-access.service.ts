import { Injectable } from '@nestjs/common';
import { WebhookAttempts } from '../enqueue/webhook-attempts.service';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import {
  WebhookAttemptNotFoundError,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
} from '../core/errors/webhooks.errors';
import type {
  CreateWebhookSubscriptionInput,
  ListWebhookSubscriptionsFilter,
  UpdateWebhookSubscriptionInput,
} from '../match/subscriptions/subscription-input.interface';
import { assertScope, isRelatedScope, isWithinScope } from '../core/scopes/scope-path.util';
import { WebhookSubscriptions } from '../match/subscriptions/webhook-subscriptions.service';
import { ROOT_SCOPE } from '../core/webhooks.constants';
import { adminOnlyReason, outsideScopeReason, replayNeedsSubscriptionReason } from './admin.messages';
import type { ResolvedWebhooksAdminPrincipal } from '../options/webhooks-admin-principal.interface';

/** The filters a caller may give when listing subscriptions. */
export interface AdminSubscriptionFilter {
  scope?: string;
  within?: string;
  owner?: string;
  event?: string;
  active?: boolean;
  static?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * Every access rule of the admin API, in one place, so that every route applies the same ones:
 *
 * - an owner may see, change and delete its own subscriptions and their attempts, on its scope's branch
 *   (its scope, the scopes above it, the scopes beneath it);
 * - an administrator may do everything, within its scope when it has one;
 * - what another principal owns, or what lies outside the caller's scopes, is answered as not found (404),
 *   never as forbidden, so that ids of others cannot be probed.
 */
@Injectable()
export class WebhooksAdminAccess {
  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    private readonly attempts: WebhookAttempts,
  ) {}

  /** Whether the principal may see (and so change and delete) the subscription. */
  canSee(principal: ResolvedWebhooksAdminPrincipal, subscription: WebhookSubscription): boolean {
    if (principal.isAdmin) return principal.scope === null || isWithinScope(subscription.scope, principal.scope);
    return subscription.owner === principal.id && isRelatedScope(subscription.scope, principal.scope ?? ROOT_SCOPE);
  }

  /** The subscription, if the principal may see it; {@link WebhookSubscriptionNotFoundError} otherwise. */
  async subscription(principal: ResolvedWebhooksAdminPrincipal, id: string): Promise<WebhookSubscription> {
    const subscription = await this.subscriptions.find(id);
    if (!subscription || !this.canSee(principal, subscription)) throw new WebhookSubscriptionNotFoundError(String(id));
    return subscription;
  }

  /** An attempt of a subscription the principal may see; {@link WebhookAttemptNotFoundError} otherwise. */
  async attempt(
    principal: ResolvedWebhooksAdminPrincipal,
    subscriptionId: string,
    attemptId: string,
  ): Promise<WebhookDeliveryAttempt> {
    await this.subscription(principal, subscriptionId);
    const attempt = await this.attempts.find(attemptId);
    if (!attempt || attempt.subscriptionId !== subscriptionId) throw new WebhookAttemptNotFoundError(String(attemptId));
    return attempt;
  }

  /**
   * The service filter that lists what the principal may see and asked for; `null` when the two cannot
   * overlap (an empty page, without a query).
   */
  listFilter(
    principal: ResolvedWebhooksAdminPrincipal,
    query: AdminSubscriptionFilter,
  ): ListWebhookSubscriptionsFilter | null {
    const filter: ListWebhookSubscriptionsFilter = {
      scope: query.scope,
      owner: query.owner,
      event: query.event,
      active: query.active,
      static: query.static,
      limit: query.limit,
      cursor: query.cursor,
    };
    const within = query.within === undefined ? undefined : assertScope(query.within, 'within');
    if (!principal.isAdmin) {
      if (query.owner !== undefined && query.owner !== principal.id) return null;
      return { ...filter, owner: principal.id, within, related: principal.scope ?? ROOT_SCOPE };
    }
    if (principal.scope === null || within === undefined)
      return { ...filter, within: within ?? principal.scope ?? undefined };
    if (isWithinScope(within, principal.scope)) return { ...filter, within };
    if (isWithinScope(principal.scope, within)) return { ...filter, within: principal.scope };
    return null;
  }

  /**
   * The service input of a create: owned by the caller unless an administrator says otherwise, in the
   * caller's scope unless it names one within it.
   */
  createInput(
    principal: ResolvedWebhooksAdminPrincipal,
    input: CreateWebhookSubscriptionInput,
  ): CreateWebhookSubscriptionInput {
    const home = principal.scope ?? ROOT_SCOPE;
    const scope = input.scope === undefined ? home : assertScope(input.scope, 'scope');
    if (principal.scope !== null && !isWithinScope(scope, principal.scope)) {
      throw new WebhookValidationError('scope', outsideScopeReason(principal.scope));
    }
    if (!principal.isAdmin) this.refuseAdminFields(principal, input);
    return {
      ...input,
      scope,
      owner: principal.isAdmin && input.owner !== undefined ? input.owner : principal.id,
    };
  }

  /** The service input of an update: owner, permission and retry may be changed by administrators only. */
  updateInput(
    principal: ResolvedWebhooksAdminPrincipal,
    input: UpdateWebhookSubscriptionInput,
  ): UpdateWebhookSubscriptionInput {
    if (!principal.isAdmin) this.refuseAdminFields(principal, input);
    return input;
  }

  /** Whether the principal may replay across every subscription (an administrator of every scope). */
  assertMayReplayAll(principal: ResolvedWebhooksAdminPrincipal): void {
    if (!principal.isAdmin || principal.scope !== null) {
      throw new WebhookValidationError('subscriptionId', replayNeedsSubscriptionReason());
    }
  }

  private refuseAdminFields(
    principal: ResolvedWebhooksAdminPrincipal,
    input: { owner?: string | null; permission?: string | null; retry?: unknown },
  ): void {
    if (input.owner !== undefined && input.owner !== principal.id)
      throw new WebhookValidationError('owner', adminOnlyReason());
    if (input.permission !== undefined) throw new WebhookValidationError('permission', adminOnlyReason());
    if (input.retry !== undefined) throw new WebhookValidationError('retry', adminOnlyReason());
  }
}
