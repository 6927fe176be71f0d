import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { WebhookValidationError } from '../../core/errors/webhooks.errors';
import type { RotateWebhookSecretInput } from './subscription-input.interface';
import { secretKindReason } from '../../core/signing/signing.messages';
import type { ResolvedWebhookSecretsOptions } from '../../options/signing.options';
import {
  assertRotationOverlap,
  type CreatedWebhookSecret,
  createStoredSecret,
  publicKeysFor,
  rotateSecrets,
  WEBHOOK_SECRET_KINDS,
  type WebhookSecretKind,
} from '../../core/signing/subscription-secrets.util';
import { WebhookSecretList } from '../../core/signing/webhook-secret.list';
import { SIGNING_KEY_PREFIX } from '../../core/signing/webhook-secret.util';
import { rejectUnknownFields } from '../../core/util/input-validation.util';

/** A new secret and the list to store it in. */
export interface SubscriptionSecretChange {
  list: WebhookSecretList;
  created: CreatedWebhookSecret;
}

/**
 * The secret of a new subscription: the imported `secret` (validated) or a generated one of the kind
 * `signing` names (else the kind of `secret`, else the module's default), encrypted and bound to `id`.
 *
 * @throws WebhookValidationError naming `signing` or `secret`.
 */
export function newSubscriptionSecret(
  input: { signing?: unknown; secret?: unknown },
  id: string,
  now: number,
  options: ResolvedWebhookSecretsOptions,
): SubscriptionSecretChange {
  const kind = signingKind(input.signing, input.secret, options.defaultKind);
  const created = createStoredSecret({
    kind,
    secret: importedSecret(input.secret),
    field: 'secret',
    now,
    cipher: options.cipher,
    context: id,
  });
  return { list: WebhookSecretList.of([created.stored]), created };
}

/**
 * The secret list after a rotation: the new secret first; every older secret (of either kind) keeps
 * signing until `now + overlapMs` so that receivers can switch over, then stops. The new secret has the
 * kind of an imported one, else the kind of the current newest secret, else the module's default.
 *
 * @throws WebhookValidationError naming `secret`, `overlapMs` or an unknown field.
 */
export function rotatedSubscriptionSecret(
  current: WebhookSecretList | null | undefined,
  input: RotateWebhookSecretInput,
  id: string,
  now: number,
  options: ResolvedWebhookSecretsOptions,
): SubscriptionSecretChange {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new WebhookValidationError('body', 'must be an object such as { overlapMs: 3600000 }');
  }
  rejectUnknownFields(input, ['secret', 'overlapMs']);
  const overlap = assertRotationOverlap(input.overlapMs ?? options.rotationOverlap, 'overlapMs');
  const entries = WebhookSecretList.entriesOf(current);
  const kind =
    input.secret === undefined
      ? (entries[0]?.kind ?? options.defaultKind)
      : signingKind(undefined, input.secret, options.defaultKind);
  const created = createStoredSecret({
    kind,
    secret: importedSecret(input.secret),
    field: 'secret',
    now,
    cipher: options.cipher,
    context: id,
  });
  // rotateSecrets() retires the secrets of the new one's kind; retire those of the other kind the same way,
  // so that after the overlap the new secret is the only one signing.
  const until = now + overlap;
  const retired = entries.map((entry) =>
    entry.kind !== kind && (entry.expiresAt === null || entry.expiresAt > until)
      ? { ...entry, expiresAt: until }
      : entry,
  );
  return { list: WebhookSecretList.of(rotateSecrets(retired, created.stored, now, overlap)), created };
}

/** The `whpk_` public keys of a subscription's live ed25519 secrets, newest first. */
export function subscriptionPublicKeys(
  subscription: WebhookSubscription,
  now: number,
  options: ResolvedWebhookSecretsOptions,
): string[] {
  return publicKeysFor(WebhookSecretList.entriesOf(subscription.secrets), now, options.cipher, subscription.id);
}

/** A copy of a subscription without its secret list, for returning to callers. */
export function withoutSecrets<T extends WebhookSubscription>(subscription: T): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(subscription) as object) as T, subscription);
  delete copy.secrets;
  return copy;
}

function signingKind(signing: unknown, secret: unknown, fallback: WebhookSecretKind): WebhookSecretKind {
  if (signing !== undefined) {
    if (!(WEBHOOK_SECRET_KINDS as readonly unknown[]).includes(signing)) {
      throw new WebhookValidationError('signing', secretKindReason(WEBHOOK_SECRET_KINDS));
    }
    return signing as WebhookSecretKind;
  }
  if (typeof secret === 'string') return secret.startsWith(SIGNING_KEY_PREFIX) ? 'ed25519' : 'hmac';
  return fallback;
}

function importedSecret(secret: unknown): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret !== 'string') {
    throw new WebhookValidationError(
      'secret',
      'must be a "whsec_" secret or a "whsk_" signing key (or left out to generate one)',
    );
  }
  return secret;
}
