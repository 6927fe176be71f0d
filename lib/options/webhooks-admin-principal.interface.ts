/**
 * Who is calling the admin API, as the application's `admin.principal(request)` resolver says: the module
 * has no users of its own, so the application's authentication (guards, `request.user`) decides.
 *
 * - A non-admin principal sees, changes and deletes only the subscriptions it owns (and their attempts)
 *   whose scope lies on its scope's branch (the scope, its ancestors or beneath it); what it creates is
 *   owned by it and placed in its scope or beneath it.
 * - An admin principal sees everything, or everything in `scope` and beneath it when `scope` is given
 *   (an operator of the whole application, or of one tenant).
 */
export interface WebhooksAdminPrincipal {
  /** The principal's id: the `owner` of the subscriptions it creates. Numbers are turned into strings. */
  id: string | number;
  /** Whether the principal manages every subscription (within `scope`). */
  isAdmin: boolean;
  /**
   * The scope the principal acts in (a tenant, a site): `/acme`.
   * @default '/'
   */
  scope?: string;
}

/** A principal after validation: what the access rules read. */
export interface ResolvedWebhooksAdminPrincipal {
  id: string;
  isAdmin: boolean;
  /** `null` for an admin of every scope; `'/'` by default for the others. */
  scope: string | null;
}
