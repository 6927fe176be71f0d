/** Injection token of the resolved portal options ({@link ResolvedWebhooksPortalOptions}). */
export const WEBHOOKS_PORTAL_OPTIONS = 'WEBHOOKS_PORTAL_OPTIONS';

/** The documented defaults of `forRoot({ admin: { portal } })`. */
export const WEBHOOKS_PORTAL_DEFAULTS = {
  path: 'portal',
  title: 'Webhooks',
  pollInterval: 5_000,
  maxExpiresIn: 30 * 24 * 3_600_000,
  cookieName: 'webhooks_portal',
  secureCookie: 'auto',
} as const;

/** Limits of the portal's options and input. */
export const PORTAL_LIMITS = {
  minKeyLength: 32,
  minPollInterval: 500,
  maxPollInterval: 60_000,
  title: 100,
  /** Subscriptions whose delivery statistics one request may ask for (a page of the list). */
  statsIds: 100,
  /** Attempts read per subscription for its statistics: the recent ones. */
  statsSample: 50,
  /** Longest token accepted in a link or a cookie, before any work is done on it. */
  token: 2048,
} as const;

/** The header the portal page sends its CSRF token in, on every request that changes something. */
export const PORTAL_CSRF_HEADER = 'x-webhooks-csrf';

/** Where the built assets are, relative to the compiled portal files (dist/lib/portal, or lib/portal in a checkout). */
export const PORTAL_ASSETS_FOLDER = 'assets';

/** The manifest the asset build writes last: what the page loads. */
export const PORTAL_MANIFEST = 'manifest.json';
