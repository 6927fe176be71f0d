/** The messages of the web portal: configuration mistakes say how to fix them; refusals say what to do next. */

export const portalPathInvalidMessage = (path: unknown): string =>
  `WebhooksModule: option "admin.portal.path" must be a route segment such as "portal" or "ui/portal" ` +
  `(letters, digits and . _ ~ - in segments separated by "/"), got ${JSON.stringify(path)}.`;

export const portalLinkKeysMessage = (problem: string): string =>
  `WebhooksModule: option "admin.portal.links.keys" must list at least one key of 32 characters or more ` +
  `(${problem}). Generate one with generateWebhookSecret() or \`openssl rand -base64 32\`, keep it in your ` +
  `secrets, and put a new key first (keeping the old ones) to rotate.`;

export const portalBaseUrlMessage = (value: unknown): string =>
  `WebhooksModule: option "admin.portal.links.baseUrl" must be an absolute http(s) URL without query or ` +
  `fragment, such as "https://app.example.com" (or "https://example.com/app" behind a proxy), got ${JSON.stringify(value)}.`;

export const portalLinksOffMessage = (): string =>
  `WebhooksPortalLinks.createLink(): portal links are off. Turn them on with WebhooksModule.forRoot({ admin: ` +
  `{ ..., portal: { links: { keys: [process.env.PORTAL_LINK_KEY] } } } }).`;

export const portalAssetsMissingMessage = (dir: string): string =>
  `WebhooksModule: the portal's built assets are missing from ${dir}. In a checkout of nestjs-webhooks, ` +
  `build them with \`npm run build:portal\` (the package ships them built); or turn "admin.portal" off.`;

export const expiresInReason = (max: number): string =>
  `must be a duration of 1 second to ${max} ms: a number of milliseconds or a string such as "30m", "12h", "7d"`;

export const linkOwnerReason = (): string => 'must be a non-empty string (or number) of at most 255 characters';

export const linkBaseUrlReason = (): string => 'must be an absolute http(s) URL such as "https://app.example.com"';

export const linkRefusedMessage = (): string =>
  'This portal link has expired, was altered, or has been revoked. Ask whoever sent it for a new one.';

export const sessionEndedMessage = (): string =>
  'Your portal session has expired or was revoked. Open your portal link again, or ask for a new one.';

export const csrfRefusedMessage = (): string =>
  'This change was refused: it did not come from the portal page (missing or wrong x-webhooks-csrf header, ' +
  'or a cross-site request). Reload the portal and try again.';

export const portalSignInMessage = (): string =>
  'Sign in to the application, or open the portal link you were sent, to use the webhooks portal.';

export const portalForbiddenMessage = (): string => 'You are not allowed to use the webhooks portal.';

export const statsIdsReason = (max: number): string => `must be a comma-separated list of 1 to ${max} subscription ids`;
