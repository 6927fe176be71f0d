import type { INestApplication } from '@nestjs/common';
import type { WebhooksModuleOptions, WebhooksPortalOptions } from '../../lib';
import { WebhooksPortalLinks } from '../../lib';
import { buildPortal, type PortalBuild } from '../../scripts/build-portal';
import { type AdminTestApp, createAdminTestApp, HeaderAuthGuard, headerPrincipal } from './admin-app';

/** Two link keys of the test apps: the first signs. */
export const PORTAL_KEYS = ['portal-test-key-0123456789abcdef0123456789', 'portal-test-key-older-key-0123456789abcdef'];

/** The event types the portal's catalog shows in the tests (one with an example in its schema). */
export const PORTAL_EVENT_TYPES = [
  {
    name: 'contact.create',
    description: 'A contact was created.',
    schema: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
      examples: [{ id: 42, name: 'Ada Lovelace' }],
    },
  },
  { name: 'contact.delete', description: 'A contact was deleted.' },
];

/** Real time, moved forward by hand (`advance`): links expire without waiting, deliveries run as usual. */
export class ShiftedClock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface PortalTestApp extends AdminTestApp {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  links: WebhooksPortalLinks;
  clock: ShiftedClock;
}

let built: Promise<PortalBuild> | undefined;

/** Builds the portal's assets once per test file (a no-op when the sources did not change since the last build). */
export function portalAssets(): Promise<PortalBuild> {
  built ??= buildPortal();
  return built;
}

/**
 * A Nest application on 127.0.0.1 (Express or Fastify, SQLite in memory) with the admin API and the portal
 * on: the test principal headers (`x-user`, `x-admin`, `x-scope`) sign in, links are signed with
 * `keys`, and the clock can be moved forward.
 */
export async function startPortalApp(
  adapter: 'express' | 'fastify',
  options: { keys?: string[]; portal?: Omit<WebhooksPortalOptions, 'links'>; webhooks?: WebhooksModuleOptions } = {},
): Promise<PortalTestApp> {
  await portalAssets();
  const clock = new ShiftedClock();
  const t = await createAdminTestApp(
    { type: 'better-sqlite3', database: ':memory:' },
    {
      clock,
      eventTypes: PORTAL_EVENT_TYPES,
      targets: { allowHttp: true, allowPrivateNetworks: true },
      delivery: { pollInterval: 100 },
      ...options.webhooks,
      admin: {
        guards: [HeaderAuthGuard],
        principal: headerPrincipal,
        portal: { pollInterval: 500, ...options.portal, links: { keys: options.keys ?? PORTAL_KEYS } },
      },
    },
    { adapter },
  );
  const app: INestApplication = t.app;
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { ...t, url, links: app.get(WebhooksPortalLinks), clock };
}
