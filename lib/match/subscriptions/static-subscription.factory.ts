import { createHash } from 'node:crypto';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { SecretCipher } from '../../core/signing/secret.cipher';
import { createStoredSecret } from '../../core/signing/subscription-secrets.util';
import { WebhookSecretList } from '../../core/signing/webhook-secret.list';
import { SIGNING_KEY_PREFIX } from '../../core/signing/webhook-secret.util';
import { ACTIVE_STATUS_MESSAGE } from '../../core/messages/status.messages';
import type { NormalizedStaticSubscription } from '../../options/static-subscription.options';

/**
 * Ids of the static subscriptions declared without `persistent`: derived from what they are configured with,
 * so that each start finds the one it stored before (and the attempts still pending for it). Other ids are
 * UUIDs and never start so.
 */
const STATIC_ID_PREFIX = 'static:';

/**
 * Whether a subscription belongs to the configuration (declared in `forRoot({ subscriptions })` without
 * `persistent`): it is changed by changing the configuration, never at runtime.
 */
export const isConfiguredId = (id: string): boolean => id.startsWith(STATIC_ID_PREFIX);

/** The id of a static subscription declared without `persistent`. */
export const configuredId = (key: string): string => `${STATIC_ID_PREFIX}${key.slice(0, 24)}`;

/**
 * The identity of a static subscription: a hash of everything it is configured with, since a declared
 * subscription has no id of its own and each start must find the one it stored before. Event order does
 * not count.
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
    // Only when set: the keys of subscriptions declared before limits existed stay what they were.
    ...(entry.rateLimit !== null || entry.maxInFlight !== null ? [entry.rateLimit, entry.maxInFlight] : []),
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
    owner: entry.owner,
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
    retry: entry.retry,
    pausedUntil: null,
    staticKey: key,
    rateLimit: entry.rateLimit,
    maxInFlight: entry.maxInFlight,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  } satisfies WebhookSubscriptionFields);
}
