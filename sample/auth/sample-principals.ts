import { randomBytes } from 'node:crypto';
import { isWithinScope } from '../../lib/core/scopes/scope-path.util';
import { OFFICES } from '../contacts/offices';

/** A person of the sample organisation, as both the admin API and the webhook authorizer see them. */
export interface SamplePrincipal {
  id: string;
  /** Manages every subscription (the seed's `zope.Manager`). */
  isAdmin: boolean;
  /** Where the principal works: it may see what happens there and beneath. */
  scope: string;
}

/**
 * The sample's user store: API keys and the principals they stand for. A real application looks keys (or
 * JWTs, sessions) up in its own store; the sample keeps two in memory.
 */
export const SAMPLE_API_KEYS: Readonly<Record<string, SamplePrincipal>> = {
  'sample-admin': { id: 'noaa-admin', isAdmin: true, scope: '/' },
  'oun-manager': { id: 'oun-manager', isAdmin: false, scope: OFFICES.oun },
};

/** The principal of an API key, if the key is known. */
export function principalForApiKey(key: string | undefined): SamplePrincipal | undefined {
  return key === undefined ? undefined : Object.hasOwn(SAMPLE_API_KEYS, key) ? SAMPLE_API_KEYS[key] : undefined;
}

/** The principal with this id, if it works in `scope` or above it (where webhooks look owners up). */
export function principalById(id: string, scope: string): SamplePrincipal | undefined {
  const principal = Object.values(SAMPLE_API_KEYS).find((p) => p.id === id);
  return principal && isWithinScope(scope, principal.scope) ? principal : undefined;
}

/**
 * The key portal links are signed with: a new one at every run, so that a run's links end with it. An
 * application keeps its keys in its secrets (`admin.portal.links.keys`) and rotates them there.
 */
export const SAMPLE_PORTAL_LINK_KEY = randomBytes(32).toString('base64url');
