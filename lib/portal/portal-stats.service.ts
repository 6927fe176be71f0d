import { Injectable } from '@nestjs/common';
import { WebhookAttemptNotFoundError, WebhookSubscriptionNotFoundError } from '../core/errors/webhooks.errors';
import { WebhookAttempts } from '../enqueue/webhook-attempts.service';
import type { ResolvedWebhooksAdminPrincipal } from '../options/webhooks-admin-principal.interface';
import { WebhooksAdminAccess } from '../admin/admin-access.service';
import { PORTAL_LIMITS } from './portal.constants';

/** A subscription's recent deliveries, as the portal's list shows them. */
export interface PortalDeliveryStats {
  subscriptionId: string;
  /** How many of the latest attempts were read (at most 50). */
  sampled: number;
  successful: number;
  failed: number;
  pending: number;
  /** Successful among the resolved sampled attempts, 0 to 1; `null` when none is resolved. */
  successRate: number | null;
  /** The newest attempt. */
  last: { id: string; status: string; event: string; statusCode: number | null; createdAt: string } | null;
}

/**
 * The delivery statistics of a page of subscriptions, from the public history service and through the
 * admin access rules: an id the caller may not see is left out, as if it did not exist.
 */
@Injectable()
export class PortalStats {
  constructor(
    private readonly attempts: WebhookAttempts,
    private readonly access: WebhooksAdminAccess,
  ) {}

  async forSubscriptions(principal: ResolvedWebhooksAdminPrincipal, ids: string[]): Promise<PortalDeliveryStats[]> {
    const stats: PortalDeliveryStats[] = [];
    // A few at a time: a page of 100 subscriptions is 100 small reads, not 100 at once on the pool.
    for (let i = 0; i < ids.length; i += 8) {
      const chunk = await Promise.all(ids.slice(i, i + 8).map((id) => this.one(principal, id)));
      stats.push(...chunk.filter((s): s is PortalDeliveryStats => s !== null));
    }
    return stats;
  }

  private async one(principal: ResolvedWebhooksAdminPrincipal, id: string): Promise<PortalDeliveryStats | null> {
    try {
      await this.access.subscription(principal, id);
    } catch (error) {
      if (error instanceof WebhookSubscriptionNotFoundError || error instanceof WebhookAttemptNotFoundError)
        return null;
      throw error;
    }
    const { items } = await this.attempts.list(id, { limit: PORTAL_LIMITS.statsSample });
    const count = (status: string) => items.filter((a) => a.status === status).length;
    const successful = count('successful');
    const failed = count('failed');
    const newest = items[0];
    return {
      subscriptionId: id,
      sampled: items.length,
      successful,
      failed,
      pending: count('pending'),
      successRate: successful + failed === 0 ? null : successful / (successful + failed),
      last: newest
        ? {
            id: newest.id,
            status: newest.status,
            event: newest.event,
            statusCode: newest.response?.statusCode ?? null,
            createdAt: newest.createdAt.toISOString(),
          }
        : null,
    };
  }
}
