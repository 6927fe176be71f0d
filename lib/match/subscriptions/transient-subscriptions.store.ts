import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { SecretCipher } from '../../core/signing/secret.cipher';
import { createStoredSecret } from '../../core/signing/subscription-secrets.util';
import { WebhookSecretList } from '../../core/signing/webhook-secret.list';
import { SIGNING_KEY_PREFIX } from '../../core/signing/webhook-secret.util';
import { ACTIVE_STATUS_MESSAGE, WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { NormalizedStaticSubscription, ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';

/** Ids of static in-memory subscriptions start with this; database ids are UUIDs and never do. */
export const TRANSIENT_ID_PREFIX = 'static:';

/** Whether a subscription id names a static in-memory subscription. */
export const isTransientId = (id: string): boolean => id.startsWith(TRANSIENT_ID_PREFIX);

/**
 * The identity of a static subscription: a hash of everything it is configured with (the seed
 * identifies ZCML subscriptions by their parameters). Event order does not count.
 */
export function staticSubscriptionKey(entry: NormalizedStaticSubscription): string {
  const canonical = JSON.stringify([
    entry.to,
    [...entry.events].sort(),
    entry.scope,
    entry.owner,
    entry.permission,
    entry.dialect,
    entry.description,
    // Hashed with the rest (never stored as is): a new secret or policy makes a new subscription.
    entry.secret,
    entry.retry,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 40);
}

/**
 * A subscription as configured by a static entry: active, with no history yet, its secret stored the way
 * `cipher` stores secrets (bound to `id`).
 */
export function subscriptionFromStatic(
  entry: NormalizedStaticSubscription,
  id: string,
  key: string,
  now: number,
  cipher: SecretCipher,
): WebhookSubscription {
  const secrets =
    entry.secret === null
      ? null
      : WebhookSecretList.of([
          createStoredSecret({
            kind: entry.secret.startsWith(SIGNING_KEY_PREFIX) ? 'ed25519' : 'hmac',
            secret: entry.secret,
            now,
            cipher,
            context: id,
          }).stored,
        ]);
  return Object.assign(new WebhookSubscription(), {
    id,
    scope: entry.scope,
    ownerId: entry.owner,
    events: entry.events,
    to: entry.to,
    dialect: entry.dialect,
    permission: entry.permission,
    active: true,
    statusMessage: ACTIVE_STATUS_MESSAGE,
    description: entry.description,
    metadata: null,
    consecutiveFailures: 0,
    preconditionFailures: 0,
    secrets,
    retryPolicy: entry.retry,
    pausedUntil: null,
    staticKey: key,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  } satisfies WebhookSubscriptionFields);
}

/**
 * The static subscriptions kept in memory (the seed's global, transient subscriptions): they take
 * part in matching like database ones and can be activated and deactivated, but live and die with the
 * process.
 */
@Injectable()
export class TransientSubscriptions {
  private readonly subscriptions = new Map<string, WebhookSubscription>();

  constructor(@Inject(WEBHOOKS_MODULE_OPTIONS) options: ResolvedWebhooksOptions) {
    const now = options.clock.now();
    for (const entry of options.subscriptions) {
      if (entry.persistent) continue;
      const key = staticSubscriptionKey(entry);
      const id = `${TRANSIENT_ID_PREFIX}${key.slice(0, 24)}`;
      if (this.subscriptions.has(id)) continue;
      this.subscriptions.set(id, subscriptionFromStatic(entry, id, key, now, options.secrets.cipher));
    }
  }

  all(): WebhookSubscription[] {
    return [...this.subscriptions.values()];
  }

  get(id: string): WebhookSubscription | undefined {
    return this.subscriptions.get(id);
  }

  /**
   * Replaces a subscription's state with `changes` (a new object, so that snapshots held elsewhere stay
   * as they were) and returns it.
   */
  update(id: string, changes: Partial<WebhookSubscription>, now: number): WebhookSubscription | undefined {
    const current = this.subscriptions.get(id);
    if (!current) return undefined;
    const next = Object.assign(new WebhookSubscription(), current, changes, { updatedAt: new Date(now) });
    this.subscriptions.set(id, next);
    return next;
  }
}
