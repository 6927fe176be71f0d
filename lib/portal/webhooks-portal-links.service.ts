import { Inject, Injectable, Optional } from '@nestjs/common';
import { WebhooksConfigurationError, WebhookValidationError } from '../core/errors/webhooks.errors';
import { assertScope } from '../core/scopes/scope-path.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WEBHOOKS_ADMIN_OPTIONS } from '../admin/admin.constants';
import type { ResolvedWebhooksAdminOptions } from '../admin/admin.options';
import { WEBHOOKS_PORTAL_OPTIONS } from './portal.constants';
import { expiresInReason, linkBaseUrlReason, linkOwnerReason, portalLinksOffMessage } from './portal.messages';
import type { ResolvedWebhooksPortalLinkOptions, ResolvedWebhooksPortalOptions } from './portal.options';
import { signPortalToken } from './portal-token.util';

/** What {@link WebhooksPortalLinks.createLink} takes. */
export interface CreateWebhooksPortalLinkInput {
  /** The owner the page acts as (a customer's id in your application): it sees and changes only what it owns. */
  owner: string | number;
  /**
   * The scope the owner acts in: its subscriptions on this scope's branch (the scope, those above it and
   * beneath it), and what it creates goes here or beneath.
   * @default '/'
   */
  scope?: string;
  /** How long the link (and the session it opens) lasts: milliseconds, or `'30m'`, `'12h'`, `'7d'`. */
  expiresIn: number | string;
  /**
   * Overrides `admin.portal.links.baseUrl` for this link (an application served under several hosts).
   * @default the `baseUrl` option
   */
  baseUrl?: string;
}

/** A portal link to hand to one owner. */
export interface WebhooksPortalLink {
  /** The URL to open as it is: absolute when a `baseUrl` is known, else the path from the admin path on. */
  url: string;
  /** When the link, and any session opened with it, stops working. */
  expiresAt: Date;
  owner: string;
  scope: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Makes portal links: signed, expiring URLs that open the webhooks portal as one owner, for an application
 * to hand to its customers (in its own UI, an e-mail…). Injectable wherever the webhooks module is; links
 * work when `forRoot({ admin: { portal: { links: { keys } } } })` is set.
 *
 * Revoking: remove the key that signed a link from `admin.portal.links.keys` (every link and session it
 * signed stops at once, on every instance); rotating: put a new key first and keep the old one until its
 * links expire.
 */
@Injectable()
export class WebhooksPortalLinks {
  constructor(
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    @Optional() @Inject(WEBHOOKS_ADMIN_OPTIONS) private readonly admin?: ResolvedWebhooksAdminOptions,
    @Optional() @Inject(WEBHOOKS_PORTAL_OPTIONS) private readonly portal?: ResolvedWebhooksPortalOptions | null,
  ) {}

  /** Whether portal links are turned on (`admin.portal.links`). */
  get enabled(): boolean {
    return Boolean(this.admin && this.portal?.links);
  }

  /**
   * A signed link that opens the portal as `owner` (never as an administrator), within `scope`, until
   * `expiresIn` has passed.
   *
   * @throws WebhookValidationError naming the field (`owner`, `scope`, `expiresIn`, `baseUrl`).
   * @throws WebhooksConfigurationError when portal links are not configured.
   */
  createLink(input: CreateWebhooksPortalLinkInput): WebhooksPortalLink {
    const links = this.linkOptions();
    if (typeof input !== 'object' || input === null) {
      throw new WebhookValidationError('input', 'must be an object { owner, scope?, expiresIn }');
    }
    const owner = typeof input.owner === 'number' && Number.isFinite(input.owner) ? String(input.owner) : input.owner;
    if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 255) {
      throw new WebhookValidationError('owner', linkOwnerReason());
    }
    const scope = input.scope === undefined ? '/' : assertScope(input.scope, 'scope');
    const ttl = durationMs(input.expiresIn);
    if (ttl === null || ttl < 1_000 || ttl > links.maxExpiresIn) {
      throw new WebhookValidationError('expiresIn', expiresInReason(links.maxExpiresIn));
    }
    const baseUrl = input.baseUrl === undefined ? (links.baseUrl ?? '') : checkedBaseUrl(input.baseUrl);
    // Whole seconds, rounded down: a link never outlives what was asked.
    const expiresAt = Math.floor((this.options.clock.now() + ttl) / 1_000);
    const token = signPortalToken({ owner: owner, scope, expiresAt }, 'link', links.keys[0]);
    return {
      url: `${baseUrl}/${this.admin!.path}/${this.portal!.path}/link?token=${token}`,
      expiresAt: new Date(expiresAt * 1_000),
      owner: owner,
      scope,
    };
  }

  private linkOptions(): ResolvedWebhooksPortalLinkOptions {
    const links = this.admin ? this.portal?.links : undefined;
    if (!links) throw new WebhooksConfigurationError(portalLinksOffMessage(), 'admin.portal.links');
    return links;
  }
}

/** Milliseconds of `30000`, `'30s'`, `'15m'`, `'12h'`, `'7d'`; `null` for anything else. */
function durationMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value) : null;
  const match = typeof value === 'string' ? /^(\d{1,9})\s*(ms|s|m|h|d)$/.exec(value.trim()) : null;
  return match ? Number(match[1]) * UNITS[match[2]] : null;
}

function checkedBaseUrl(value: unknown): string {
  try {
    const url = new URL(String(value));
    if ((url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash && !url.username) {
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    }
  } catch {
    // answered below
  }
  throw new WebhookValidationError('baseUrl', linkBaseUrlReason());
}
