import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { invalidOptionMessage, unknownOptionMessage } from '../core/errors/webhooks.messages';
import type { WebhooksPortalLinkOptions, WebhooksPortalOptions } from '../options/webhooks-portal-options.interface';
import { PORTAL_LIMITS, WEBHOOKS_PORTAL_DEFAULTS } from './portal.constants';
import { portalBaseUrlMessage, portalLinkKeysMessage, portalPathInvalidMessage } from './portal.messages';

/** `admin.portal.links` after validation. */
export interface ResolvedWebhooksPortalLinkOptions {
  keys: string[];
  baseUrl: string | null;
  maxExpiresIn: number;
  cookieName: string;
  secureCookie: boolean | 'auto';
}

/** `admin.portal` after validation. */
export interface ResolvedWebhooksPortalOptions {
  /** Below the admin path, without leading or trailing slashes. */
  path: string;
  title: string;
  pollInterval: number;
  links: ResolvedWebhooksPortalLinkOptions | null;
}

const KNOWN = ['path', 'title', 'pollInterval', 'links'] as const;
const KNOWN_LINKS = ['keys', 'baseUrl', 'maxExpiresIn', 'cookieName', 'secureCookie'] as const;
const PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
// RFC 6265 cookie-name token characters.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

/**
 * Validates `forRoot({ admin: { portal } })`: `undefined`/`false` is off (`null`), `true` the defaults. A
 * mistake fails at startup with a {@link WebhooksConfigurationError} naming the option.
 */
export function resolvePortalOptions(
  portal: boolean | WebhooksPortalOptions | undefined,
): ResolvedWebhooksPortalOptions | null {
  if (portal === undefined || portal === false) return null;
  const options: WebhooksPortalOptions = portal === true ? {} : portal;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.portal', 'true, false or an object { path?, title?, pollInterval?, links? }', portal),
      'admin.portal',
    );
  }
  rejectUnknown(options, KNOWN, 'admin.portal');
  const rawPath = options.path ?? WEBHOOKS_PORTAL_DEFAULTS.path;
  const path = typeof rawPath === 'string' ? rawPath.replace(/^\/+|\/+$/g, '') : rawPath;
  if (typeof path !== 'string' || !PATH.test(path) || path.split('/')[0] === 'api') {
    throw new WebhooksConfigurationError(portalPathInvalidMessage(rawPath), 'admin.portal.path');
  }
  const title = options.title ?? WEBHOOKS_PORTAL_DEFAULTS.title;
  if (typeof title !== 'string' || title.trim() === '' || title.length > PORTAL_LIMITS.title) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage(
        'admin.portal.title',
        `a non-empty string of at most ${PORTAL_LIMITS.title} characters`,
        title,
      ),
      'admin.portal.title',
    );
  }
  const pollInterval = options.pollInterval ?? WEBHOOKS_PORTAL_DEFAULTS.pollInterval;
  if (
    !Number.isInteger(pollInterval) ||
    pollInterval < PORTAL_LIMITS.minPollInterval ||
    pollInterval > PORTAL_LIMITS.maxPollInterval
  ) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage(
        'admin.portal.pollInterval',
        `a whole number of milliseconds from ${PORTAL_LIMITS.minPollInterval} to ${PORTAL_LIMITS.maxPollInterval}`,
        pollInterval,
      ),
      'admin.portal.pollInterval',
    );
  }
  return {
    path,
    title: title.trim(),
    pollInterval,
    links: options.links === undefined ? null : resolveLinkOptions(options.links),
  };
}

function resolveLinkOptions(links: WebhooksPortalLinkOptions): ResolvedWebhooksPortalLinkOptions {
  if (typeof links !== 'object' || links === null || Array.isArray(links)) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.portal.links', 'an object { keys, baseUrl?, ... }', links),
      'admin.portal.links',
    );
  }
  rejectUnknown(links, KNOWN_LINKS, 'admin.portal.links');
  const { keys } = links;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new WebhooksConfigurationError(portalLinkKeysMessage('none given'), 'admin.portal.links.keys');
  }
  keys.forEach((key, index) => {
    if (typeof key !== 'string' || key.length < PORTAL_LIMITS.minKeyLength) {
      throw new WebhooksConfigurationError(
        portalLinkKeysMessage(
          `keys[${index}] is ${typeof key === 'string' ? `${key.length} characters long` : typeof key}`,
        ),
        `admin.portal.links.keys[${index}]`,
      );
    }
  });
  const baseUrl = links.baseUrl === undefined ? null : resolveBaseUrl(links.baseUrl);
  const maxExpiresIn = links.maxExpiresIn ?? WEBHOOKS_PORTAL_DEFAULTS.maxExpiresIn;
  if (!Number.isInteger(maxExpiresIn) || maxExpiresIn < 1_000) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage(
        'admin.portal.links.maxExpiresIn',
        'a whole number of milliseconds, at least 1000',
        maxExpiresIn,
      ),
      'admin.portal.links.maxExpiresIn',
    );
  }
  const cookieName = links.cookieName ?? WEBHOOKS_PORTAL_DEFAULTS.cookieName;
  if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName)) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.portal.links.cookieName', 'a cookie name (letters, digits, - _ .)', cookieName),
      'admin.portal.links.cookieName',
    );
  }
  const secureCookie = links.secureCookie ?? WEBHOOKS_PORTAL_DEFAULTS.secureCookie;
  if (secureCookie !== true && secureCookie !== false && secureCookie !== 'auto') {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.portal.links.secureCookie', "true, false or 'auto'", secureCookie),
      'admin.portal.links.secureCookie',
    );
  }
  return { keys: [...keys], baseUrl, maxExpiresIn, cookieName, secureCookie };
}

function resolveBaseUrl(value: unknown): string {
  let url: URL | null = null;
  try {
    url = typeof value === 'string' ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (
    !url ||
    url.search !== '' ||
    url.hash !== '' ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password
  ) {
    throw new WebhooksConfigurationError(portalBaseUrlMessage(value), 'admin.portal.links.baseUrl');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function rejectUnknown(options: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new WebhooksConfigurationError(unknownOptionMessage(`${prefix}.${key}`, known), `${prefix}.${key}`);
    }
  }
}
