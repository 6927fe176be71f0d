import { Inject, Injectable } from '@nestjs/common';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import { WebhookStoredSecretError } from '../core/errors/signing.errors';
import { damagedSecretListMessage } from '../core/signing/signing.messages';
import { signingKeysFor } from '../core/signing/subscription-secrets.util';
import { WebhookSecretList } from '../core/signing/webhook-secret.list';
import { type SigningKeys, signWebhook } from '../core/signing/webhook-signature.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';

interface CachedKeys {
  /** The keys are valid from this time (epoch ms)... */
  from: number;
  /** ...until the next live secret expires. */
  until: number;
  keys: SigningKeys;
}

/**
 * Signs the tries of a subscription with every live secret it has (Standard Webhooks `v1` / `v1a`). The
 * decrypted, decoded keys of a secret list are kept (in a WeakMap, dropped with the list) until the next
 * of its secrets expires, so that a try costs one HMAC per secret and no decryption.
 */
@Injectable()
export class SubscriptionSigner {
  private readonly cache = new WeakMap<WebhookSecretList, CachedKeys>();

  constructor(@Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions) {}

  /**
   * The `webhook-signature` value of one try, `''` when the subscription has no live secret.
   *
   * @throws WebhookSecretDecryptionError when a stored secret cannot be decrypted with the configured keys.
   * @throws WebhookStoredSecretError when a stored secret is damaged.
   */
  sign(
    subscription: WebhookSubscription,
    messageId: string,
    timestampSeconds: number,
    body: string,
    now: number,
  ): string {
    const list = subscription.secrets;
    if (!(list instanceof WebhookSecretList)) return '';
    if (list.damaged) throw new WebhookStoredSecretError(damagedSecretListMessage(), 0);
    if (list.size === 0) return '';
    const keys = this.keysFor(list, subscription.id, now);
    if (keys.secrets.length === 0 && (keys.signingKeys?.length ?? 0) === 0) return '';
    return signWebhook(messageId, timestampSeconds, body, keys);
  }

  private keysFor(list: WebhookSecretList, context: string, now: number): SigningKeys {
    const cached = this.cache.get(list);
    if (cached && now >= cached.from && now < cached.until) return cached.keys;
    const entries = WebhookSecretList.entriesOf(list);
    const keys = signingKeysFor(entries, now, this.options.secrets.cipher, context);
    let until = Infinity;
    for (const { expiresAt } of entries)
      if (expiresAt !== null && expiresAt > now && expiresAt < until) until = expiresAt;
    this.cache.set(list, { from: now, until, keys });
    return keys;
  }
}
