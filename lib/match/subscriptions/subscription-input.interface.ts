import type { WebhookRateLimit } from '../../core/limits/delivery-limits';
import type { WebhookRetryPolicy } from '../../core/retry/retry.policy';
import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type { WebhookSecretKind } from '../../core/signing/subscription-secrets.util';
/** What {@link WebhookSubscriptions.create} takes. */
export interface CreateWebhookSubscriptionInput {
  /** The target URL (HTTPS unless `targets.allowHttp`). */
  to: string;
  /** Event patterns: `contact.create`, `contact.*`, `*.delete`, `*`. */
  events: string | string[];
  /**
   * The scope the subscription lives in.
   * @default '/'
   */
  scope?: string;
  /**
   * The owning principal's id.
   * @default null (no owner: always applicable)
   */
  owner?: string | null;
  /**
   * The permission the owner must hold on each payload.
   * @default null (the module's default permission)
   */
  permission?: string | null;
  /**
   * The dialect.
   * @default 'default'
   */
  dialect?: string;
  /** Free text for people. @default null */
  description?: string | null;
  /** Application data kept with the subscription. @default null */
  metadata?: Record<string, unknown> | null;
  /**
   * An existing secret to import (a receiver moving from another sender): a `whsec_` secret, or a
   * `whsk_` ed25519 signing key. Validated; never returned by reads.
   * @default undefined (a new secret is generated and returned once by create())
   */
  secret?: string;
  /**
   * How requests are signed: `hmac` (`whsec_` secret, `v1` signatures, what most receivers verify) or
   * `ed25519` (`whsk_` key kept here, `whpk_` public key for receivers, `v1a` signatures).
   * @default the kind of `secret` when one is given, else the module's `secrets.defaultKind` ('hmac')
   */
  signing?: WebhookSecretKind;
  /**
   * This subscription's retry policy, laid over the module's `retry` option (`null`: the module's).
   * @default null
   */
  retry?: WebhookRetryPolicy | null;
  /**
   * Requests per second its target receives at most, across every instance: `{ perSecond, burst? }` (a token
   * bucket; `null`: no limit). Attempts over the limit wait, untried. See docs/delivery-control.md.
   * @default null
   */
  rateLimit?: WebhookRateLimit | null;
  /**
   * Tries in flight at once at most, across every instance (`null`: no limit).
   * @default null
   */
  maxInFlight?: number | null;
}

/** What {@link WebhookSubscriptions.update} takes: the fields to change. */
export type UpdateWebhookSubscriptionInput = Partial<
  Pick<
    CreateWebhookSubscriptionInput,
    | 'to'
    | 'events'
    | 'owner'
    | 'permission'
    | 'dialect'
    | 'description'
    | 'metadata'
    | 'retry'
    | 'rateLimit'
    | 'maxInFlight'
  >
>;

/**
 * A subscription just created, with its signing secret: the only time the secret is shown. Later
 * reads (`get`, `list`) never carry `secret` nor `publicKey`.
 */
export type CreatedWebhookSubscription = WebhookSubscription & {
  /** The plain `whsec_` secret (or `whsk_` signing key) to give the receiver's owner, once. */
  secret: string;
  /** For `ed25519` signing: the `whpk_` public key receivers verify `v1a` signatures with. */
  publicKey?: string;
};

/** Options of {@link WebhookSubscriptions.rotateSecret}. */
export interface RotateWebhookSecretInput {
  /**
   * The new secret to import (`whsec_` or `whsk_`); its kind becomes the subscription's.
   * @default undefined (a new secret of the subscription's current kind is generated)
   */
  secret?: string;
  /**
   * How long (ms) the replaced secrets keep signing, so that receivers can switch over; 0 to 7 days,
   * 0 stops them at once.
   * @default the module's `secrets.rotationOverlap` (24 hours)
   */
  overlapMs?: number;
}

/** The new secret after a rotation, shown once. */
export interface RotatedWebhookSecret {
  /** The plain `whsec_` secret or `whsk_` signing key. */
  secret: string;
  /** For `ed25519`: the `whpk_` public key. */
  publicKey?: string;
}

/** Filters of {@link WebhookSubscriptions.list}. */
export interface ListWebhookSubscriptionsFilter {
  /** Only subscriptions in exactly this scope. */
  scope?: string;
  /** Only subscriptions in this scope or beneath it. */
  within?: string;
  /**
   * Only subscriptions on this scope's branch: in the scope, its ancestors (its lineage) or beneath it (what
   * a principal acting in that scope may see of its own).
   */
  related?: string;
  /** Only subscriptions of this owner. */
  owner?: string;
  /**
   * An event name (`contact.create`): the subscriptions it would reach. A pattern (`contact.*`): the
   * subscriptions holding exactly that pattern.
   */
  event?: string;
  /** Only active (or only inactive) subscriptions. */
  active?: boolean;
  /**
   * Only the subscriptions declared in `forRoot({ subscriptions })` (`true`), or only the others (`false`).
   * @default undefined (both)
   */
  static?: boolean;
  /**
   * Page size.
   * @default 50 (at most 500)
   */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Which of an owner's subscriptions {@link WebhookSubscriptions.deleteForOwner} deletes. With neither
 * option: those in every scope.
 */
export interface DeleteForOwnerOptions {
  /**
   * The scope the removed principal belonged to. Only subscriptions in this scope or one of its ancestors,
   * or in the ambient scope's lineage, are deleted: where that principal could have created them. A
   * subscription in a sibling or a descendant scope is left alone (it may belong to a same-named principal
   * of another tenant). Combined with `within`, that subtree is deleted too.
   * @default undefined (no lineage restriction)
   */
  principalScope?: string;
  /**
   * Only subscriptions in this scope or beneath it (with `principalScope`: these as well).
   * @default undefined (every scope)
   */
  within?: string;
}

export type { WebhookPage } from '../../core/util/cursor.util';
