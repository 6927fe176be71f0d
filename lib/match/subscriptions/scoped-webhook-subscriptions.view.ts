import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { WebhookSubscriptionNotFoundError, WebhookValidationError } from '../../core/errors/webhooks.errors';
import type {
  CreatedWebhookSubscription,
  CreateWebhookSubscriptionInput,
  RotatedWebhookSecret,
  RotateWebhookSecretInput,
  ListWebhookSubscriptionsFilter,
  UpdateWebhookSubscriptionInput,
  WebhookPage,
} from './subscription-input.interface';
import type { WebhookSubscriptions } from './webhook-subscriptions.service';

/**
 * The registry of one scope (a tenant, a site), for code that must not reach beyond it: creates, finds
 * and lists subscriptions in that scope only; a subscription of another scope is not found.
 */
export class ScopedWebhookSubscriptions {
  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    /** The scope this view works in. */
    readonly scope: string,
  ) {}

  /** Creates a subscription in this scope; the result carries its secret, shown this once. */
  create(input: Omit<CreateWebhookSubscriptionInput, 'scope'>): Promise<CreatedWebhookSubscription> {
    const given = (input as CreateWebhookSubscriptionInput).scope;
    if (given !== undefined && given !== this.scope) {
      throw new WebhookValidationError('scope', `must be "${this.scope}" (or left out) in this scope's registry`);
    }
    return this.subscriptions.create({ ...input, scope: this.scope });
  }

  /** The subscription if it lives in this scope, else `null`. */
  async find(id: string): Promise<WebhookSubscription | null> {
    const subscription = await this.subscriptions.find(id);
    return subscription?.scope === this.scope ? subscription : null;
  }

  /** The subscription if it lives in this scope; throws {@link WebhookSubscriptionNotFoundError} otherwise. */
  async get(id: string): Promise<WebhookSubscription> {
    const subscription = await this.find(id);
    if (!subscription) throw new WebhookSubscriptionNotFoundError(String(id));
    return subscription;
  }

  /** A page of this scope's subscriptions. */
  list(
    filter: Omit<ListWebhookSubscriptionsFilter, 'scope' | 'within'> = {},
  ): Promise<WebhookPage<WebhookSubscription>> {
    return this.subscriptions.list({ ...filter, scope: this.scope, within: undefined });
  }

  async update(id: string, input: UpdateWebhookSubscriptionInput): Promise<WebhookSubscription> {
    await this.get(id);
    return this.subscriptions.update(id, input);
  }

  async activate(id: string): Promise<boolean> {
    await this.get(id);
    return this.subscriptions.activate(id);
  }

  async deactivate(id: string, statusMessage?: string): Promise<boolean> {
    await this.get(id);
    return this.subscriptions.deactivate(id, statusMessage);
  }

  /** Rotates the signing secret of a subscription of this scope (see {@link WebhookSubscriptions.rotateSecret}). */
  async rotateSecret(id: string, input?: RotateWebhookSecretInput): Promise<RotatedWebhookSecret> {
    await this.get(id);
    return this.subscriptions.rotateSecret(id, input);
  }

  async delete(id: string): Promise<boolean> {
    if (!(await this.find(id))) return false;
    return this.subscriptions.delete(id);
  }
}
