import type { WebhookRateLimit } from '../core/limits/delivery-limits';
import type { WebhookRetryPolicy } from '../core/retry/retry.policy';

/**
 * A subscription declared in `WebhooksModule.forRoot({ subscriptions })`: part of the application's
 * configuration, brought into the subscription store at startup (see {@link persistent}).
 */
export interface StaticSubscriptionOptions {
  /** The target URL. HTTPS unless `targets.allowHttp` is set. */
  to: string;
  /**
   * Event patterns: `contact.create`, `contact.*`, `*.delete` or `*`.
   * @default '*'
   */
  events?: string | string[];
  /**
   * The scope the subscription lives in.
   * @default '/'
   */
  scope?: string;
  /**
   * The owning principal's id; permission checks apply to it.
   * @default undefined (no owner: always applicable)
   */
  owner?: string;
  /**
   * The permission the owner must hold on each payload.
   * @default undefined (the module's default permission)
   */
  permission?: string;
  /**
   * The dialect that shapes the requests.
   * @default 'default'
   */
  dialect?: string;
  /** Free text for people. */
  description?: string;
  /**
   * The secret requests are signed with: a `whsec_` secret (`v1` signatures) or a `whsk_` ed25519 key
   * (`v1a`). Keep it out of source code (read it from the environment). Part of the subscription's
   * identity: changing it makes a persistent subscription a new one.
   * @default undefined (requests are not signed)
   */
  secret?: string;
  /**
   * This subscription's retry policy, laid over the module's `retry` option.
   * @default undefined (the module's policy)
   */
  retry?: WebhookRetryPolicy;
  /**
   * Requests per second its target receives at most, across every instance (see docs/delivery-control.md).
   * @default undefined (no limit)
   */
  rateLimit?: WebhookRateLimit;
  /**
   * Tries in flight at once at most, across every instance.
   * @default undefined (no limit)
   */
  maxInFlight?: number;
  /**
   * `false`: the subscription belongs to the configuration. It is stored like the others (in the database,
   * or in memory with `storage: 'memory'`) under an id derived from its configuration, and starts afresh at
   * every start (active, no failures counted); its attempts go through the outbox, so events committed
   * before a crash are still delivered after a restart. It cannot be changed at runtime; removed from the
   * list, it is deleted with its history.
   * `true`: created once at startup and then managed like any other subscription: new ones are created,
   * ones removed from the list are deactivated (their history kept), unchanged ones are left alone, and one
   * that is re-added after removal is created anew. Changing any field makes it a new subscription.
   * @default false
   */
  persistent?: boolean;
}
