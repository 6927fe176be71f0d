/**
 * A subscription declared in `WebhooksModule.forRoot({ subscriptions })` (the seed's ZCML directives).
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
   * `false`: kept in memory with an in-memory history (the seed's global static subscriptions).
   * `true`: synced into the database at bootstrap (the seed's static persistent subscriptions): new ones
   * are created, ones removed from the list are deactivated, unchanged ones are left alone, and one that
   * is re-added after removal is created anew. Changing any field makes it a new subscription.
   * @default false
   */
  persistent?: boolean;
}
