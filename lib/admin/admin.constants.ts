/** Injection token of the resolved admin options ({@link ResolvedWebhooksAdminOptions}). */
export const WEBHOOKS_ADMIN_OPTIONS = 'WEBHOOKS_ADMIN_OPTIONS';

/** The documented defaults of `forRoot({ admin })`. */
export const WEBHOOKS_ADMIN_DEFAULTS = {
  path: 'webhooks',
  apiTag: 'webhooks',
} as const;

/** Longest accepted target URL, description, status message, owner/permission and metadata in admin input. */
export const ADMIN_LIMITS = {
  to: 2048,
  events: 100,
  eventPattern: 255,
  scope: 255,
  owner: 255,
  permission: 255,
  dialect: 64,
  description: 1024,
  statusMessage: 512,
  cursor: 200,
  secret: 512,
  pageSize: 500,
  /** Deepest nesting of objects and arrays in a body (e.g. inside `metadata`). */
  jsonDepth: 32,
  /** Seven days, the longest rotation overlap the signing rules allow. */
  overlapMs: 7 * 24 * 3_600_000,
} as const;
