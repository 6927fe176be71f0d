import type { ValueTransformer } from 'typeorm';
import type { StoredWebhookSecret } from '../core/signing/subscription-secrets.util';
import { WebhookSecretList } from '../core/signing/webhook-secret.list';

/** Stores a {@link WebhookSecretList} as its JSON list and reads it back as one. */
export const webhookSecretListTransformer: ValueTransformer = {
  to: (value: WebhookSecretList | StoredWebhookSecret[] | null | undefined) =>
    value instanceof WebhookSecretList ? [...WebhookSecretList.entriesOf(value)] : value,
  from: (value: StoredWebhookSecret[] | string | null | undefined) => {
    if (value === null || value === undefined) return value;
    // A driver that hands JSON columns back as text (none of ours does today) still reads.
    let entries: unknown;
    try {
      entries = typeof value === 'string' ? JSON.parse(value) : value;
    } catch {
      return WebhookSecretList.damaged();
    }
    return Array.isArray(entries) && entries.every(isStoredSecret)
      ? WebhookSecretList.of(entries)
      : WebhookSecretList.damaged();
  },
};

function isStoredSecret(entry: unknown): entry is StoredWebhookSecret {
  if (typeof entry !== 'object' || entry === null) return false;
  const { value, kind, expiresAt } = entry as Record<string, unknown>;
  return typeof value === 'string' && typeof kind === 'string' && (expiresAt === null || typeof expiresAt === 'number');
}
