import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PORTAL_LIMITS } from './portal.constants';

/**
 * What a portal token grants: acting as `owner` (never an administrator) on the branch of `scope`, until
 * `expiresAt`. A link's token (in the URL) and the session's (in the cookie it is exchanged for) carry the
 * same grant under different purposes, so that neither can stand in for the other.
 */
export interface PortalGrant {
  owner: string;
  /** `null`: the root scope's branch. */
  scope: string | null;
  /** Epoch seconds. */
  expiresAt: number;
}

/** What a token is for: the MAC covers it, so a link token is no session cookie and the reverse. */
export type PortalTokenPurpose = 'link' | 'session';

/** A verified token: its grant, and the key that verified it (what the session's CSRF token is derived with). */
export interface VerifiedPortalToken {
  grant: PortalGrant;
  key: string;
  /** The token's MAC, unique per token: what the CSRF token is bound to. */
  mac: string;
}

const VERSION = 'v1';

const mac = (key: string, purpose: string, data: string): string =>
  createHmac('sha256', key).update(`nestjs-webhooks/portal:${purpose}:${data}`).digest('base64url');

/** Signs `grant` for `purpose` with `key`: `v1.<payload>.<mac>`, URL- and cookie-safe. */
export function signPortalToken(grant: PortalGrant, purpose: PortalTokenPurpose, key: string): string {
  // The nonce makes two links of one grant differ (and so their sessions' CSRF tokens).
  const payload = Buffer.from(
    JSON.stringify({ o: grant.owner, s: grant.scope, x: grant.expiresAt, n: randomBytes(9).toString('base64url') }),
  ).toString('base64url');
  const data = `${VERSION}.${payload}`;
  return `${data}.${mac(key, purpose, data)}`;
}

/**
 * The grant of a token signed for `purpose` by one of `keys` and not expired at `nowSeconds`, or `null` —
 * for an altered, truncated, expired or revoked (key removed) token alike: the caller answers 401 without
 * saying which.
 */
export function verifyPortalToken(
  token: unknown,
  purpose: PortalTokenPurpose,
  keys: readonly string[],
  nowSeconds: number,
): VerifiedPortalToken | null {
  if (typeof token !== 'string' || token.length > PORTAL_LIMITS.token) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const data = `${parts[0]}.${parts[1]}`;
  // Compared as text, not as decoded bytes: base64url's last character carries unused bits, so two spellings
  // decode alike, and a token must be accepted only exactly as it was issued.
  const given = Buffer.from(parts[2]);
  const key = keys.find((candidate) => {
    const expected = Buffer.from(mac(candidate, purpose, data));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (key === undefined) return null;
  const grant = parseGrant(parts[1]);
  if (!grant || grant.expiresAt <= nowSeconds) return null;
  return { grant, key, mac: parts[2] };
}

/** The CSRF token of a session: bound to it, derived with the key that verified it (so no state is kept). */
export function portalCsrfToken(session: VerifiedPortalToken): string {
  return mac(session.key, 'csrf', session.mac);
}

/** Whether `given` is the CSRF token of `session` (constant time). */
export function isPortalCsrfToken(session: VerifiedPortalToken, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(portalCsrfToken(session));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function parseGrant(payload: string): PortalGrant | null {
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { o, s, x } = value;
    if (typeof o !== 'string' || o === '' || (s !== null && typeof s !== 'string') || !Number.isInteger(x)) return null;
    return { owner: o, scope: s, expiresAt: x as number };
  } catch {
    return null;
  }
}
