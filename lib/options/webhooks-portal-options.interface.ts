/**
 * `forRoot({ admin: { portal } })`: the web portal, a single-page UI on the admin API's rules, served by the
 * module under the admin path. `portal: true` turns it on with these defaults.
 */
export interface WebhooksPortalOptions {
  /**
   * Where the portal is served, below the admin path (`/webhooks/portal` by default): letters, digits and
   * `. _ ~ -`, segments separated by `/`.
   * @default 'portal'
   */
  path?: string;
  /**
   * The name shown in the portal's header and the browser's title bar (your product's, say).
   * @default 'Webhooks'
   */
  title?: string;
  /**
   * How often (ms) an open page asks for new delivery attempts, while it is visible; 500 to 60000.
   * @default 5000
   */
  pollInterval?: number;
  /**
   * Portal links: signed, expiring URLs that open the portal as one owner (a customer), made by
   * `WebhooksPortalLinks.createLink()`. Off unless given.
   * @default undefined (no links: the portal is for the principals of `admin.principal` only)
   */
  links?: WebhooksPortalLinkOptions;
}

/** `admin.portal.links`: the keys portal links are signed with, and how their sessions are kept. */
export interface WebhooksPortalLinkOptions {
  /**
   * HMAC keys, at least 32 characters each (e.g. `generateWebhookSecret()` or 32 random bytes in
   * base64). The first signs new links; every one verifies. To rotate, put a new key first and keep the
   * old one until its links have expired; remove a key to revoke every link (and open session) it signed.
   */
  keys: string[];
  /**
   * Where the application's routes are reached from a browser: its origin, followed by the global prefix
   * (`app.setGlobalPrefix('api')`) and any path a proxy strips, e.g. `https://app.example.com/api`. A link is
   * this, then the admin and portal paths: `https://app.example.com/api/webhooks/portal/link?token=…`.
   * @default undefined (`createLink()` answers the path from the admin path on: `/webhooks/portal/link?token=…`)
   */
  baseUrl?: string;
  /**
   * The longest `expiresIn` `createLink()` accepts (ms).
   * @default 2592000000 (30 days)
   */
  maxExpiresIn?: number;
  /**
   * The name of the session cookie a link is exchanged for (HttpOnly, SameSite=Strict, Path: the portal).
   * @default 'webhooks_portal'
   */
  cookieName?: string;
  /**
   * Whether the session cookie is `Secure`. `'auto'`: when the request came over HTTPS (as the framework
   * sees it: behind a proxy, set Express's or Fastify's `trust proxy`).
   * @default 'auto'
   */
  secureCookie?: boolean | 'auto';
}
