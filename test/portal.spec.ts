import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhooksConfigurationError, WebhookValidationError, WebhooksModule } from '../lib';
import { HeaderAuthGuard, headerPrincipal } from './support/admin-app';
import { PORTAL_KEYS, portalAssets, type PortalTestApp, startPortalApp } from './support/portal-app';
import { TestReceiver } from './support/receiver';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ops = { 'x-user': 'ops', 'x-admin': 'true' };

/** The session cookie a link is exchanged for (`name=value`), and the Set-Cookie line it came in. */
async function openLink(t: PortalTestApp, url: string): Promise<{ cookie: string; setCookie: string; csrf: string }> {
  const opened = await request(t.url).get(url);
  expect(opened.status, opened.text).toBe(200);
  const setCookie = (opened.headers['set-cookie'] as unknown as string[])[0];
  const cookie = setCookie.split(';')[0];
  const session = await request(t.url).get('/webhooks/portal/api/session').set('cookie', cookie);
  return { cookie, setCookie, csrf: session.body.csrfToken };
}

describe.each(['express', 'fastify'] as const)('the web portal over HTTP on %s', (adapter) => {
  let t: PortalTestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    t = await startPortalApp(adapter);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('serves its page behind the admin guards and principal, with a strict CSP and no inline script', async () => {
    const page = await request(t.url).get('/webhooks/portal').set(ops);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(CSP);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const { manifest } = await portalAssets();
    expect(page.text).toContain(`<script type="module" src="/webhooks/portal/assets/${manifest.entry.js}"></script>`);
    expect(page.text).toContain('data-base="/webhooks/portal"');
    // Every script has a src; no inline style attribute or element either.
    expect(page.text.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    expect(page.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

    const refused = await request(t.url).get('/webhooks/portal');
    expect([refused.status, refused.headers['content-type']]).toEqual([403, 'text/html; charset=utf-8']);
    expect(refused.headers['content-security-policy']).toBe(CSP);
    const anonymous = await request(t.url).get('/webhooks/portal').set({ 'x-user': 'anonymous' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('open the portal link you were sent');
  });

  it('serves the built assets by name only, gzipped when accepted, cached for good', async () => {
    const { manifest } = await portalAssets();
    const js = await request(t.url).get(`/webhooks/portal/assets/${manifest.entry.js}`).set('accept-encoding', 'gzip');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const plain = await request(t.url)
      .get(`/webhooks/portal/assets/${manifest.entry.css}`)
      .set('accept-encoding', 'identity');
    expect([plain.status, plain.headers['content-encoding'], plain.headers['content-type']]).toEqual([
      200,
      undefined,
      'text/css; charset=utf-8',
    ]);
    for (const path of ['manifest.json', '..%2Fportal.options.ts', '..%2F..%2F..%2Fpackage.json', 'nope.js']) {
      expect((await request(t.url).get(`/webhooks/portal/assets/${path}`)).status, path).toBe(404);
    }
  });

  it('answers the admin API through the portal, as the signed-in principal, with changes needing its header', async () => {
    const created = await request(t.url)
      .post('/webhooks/portal/api/subscriptions')
      .set(ops)
      .set('x-webhooks-csrf', 'application')
      .send({ to: receiver.url('/ops'), events: ['contact.create'], owner: 'carol' });
    expect([created.status, created.body.owner, created.body.secret]).toEqual([
      201,
      'carol',
      expect.stringMatching(/^whsec_/),
    ]);
    expect(created.headers['cache-control']).toBe('no-store');
    const session = await request(t.url).get('/webhooks/portal/api/session').set(ops);
    expect(session.body).toMatchObject({ mode: 'application', principal: { id: 'ops', isAdmin: true, scope: null } });

    const noHeader = await request(t.url)
      .post(`/webhooks/portal/api/subscriptions/${created.body.id}/deactivate`)
      .set(ops);
    expect([noHeader.status, noHeader.body.message]).toEqual([403, expect.stringContaining('x-webhooks-csrf')]);
    const crossSite = await request(t.url)
      .post(`/webhooks/portal/api/subscriptions/${created.body.id}/deactivate`)
      .set(ops)
      .set({ 'x-webhooks-csrf': 'application', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect((await t.subscriptions.get(created.body.id)).active).toBe(true);
    expect((await request(t.url).get('/webhooks/portal/api/subscriptions')).status).toBe(403);

    const ssrf = await request(t.url)
      .post('/webhooks/portal/api/subscriptions')
      .set(ops)
      .set('x-webhooks-csrf', 'application')
      .send({ to: 'http://169.254.169.254/latest/meta-data', events: ['contact.create'] });
    expect([ssrf.status, ssrf.body.field]).toEqual([400, 'to']);
  });

  it('gives each subscription its recent delivery statistics, only for what the caller may see', async () => {
    const mine = await t.subscriptions.create({
      to: receiver.url('/stats'),
      events: ['contact.delete'],
      owner: 'dave',
    });
    receiver.respond('/stats', (_r, i) => ({ status: i === 0 ? 200 : 410 }));
    await t.dispatcher.dispatch('contact.delete', { id: 1 });
    await t.dispatcher.dispatch('contact.delete', { id: 2 });
    await receiver.waitFor(2, '/stats');
    await t.engine.whenIdle();
    const other = await t.subscriptions.create({ to: receiver.url('/x'), events: ['contact.delete'], owner: 'erin' });
    const stats = await request(t.url)
      .get(`/webhooks/portal/api/delivery-stats?ids=${mine.id},${other.id},nope`)
      .set({ 'x-user': 'dave' });
    expect(stats.status).toBe(200);
    expect(stats.body.items).toEqual([
      {
        subscriptionId: mine.id,
        sampled: 2,
        successful: 1,
        failed: 1,
        pending: 0,
        successRate: 0.5,
        last: expect.objectContaining({ status: expect.any(String), event: 'contact.delete' }),
      },
    ]);
    const bad = await request(t.url).get('/webhooks/portal/api/delivery-stats').set({ 'x-user': 'dave' });
    expect([bad.status, bad.body.field]).toEqual([400, 'ids']);
  });

  it('opens a link as its owner only: a SameSite=Strict HttpOnly cookie on the portal path, then the bare URL', async () => {
    const alice = await t.subscriptions.create({
      to: receiver.url('/alice'),
      events: ['contact.create'],
      owner: 'alice',
      scope: '/acme',
    });
    const bob = await t.subscriptions.create({
      to: receiver.url('/bob'),
      events: ['contact.create'],
      owner: 'bob',
      scope: '/acme',
    });
    const link = t.links.createLink({ owner: 'alice', scope: '/acme', expiresIn: '1h' });
    expect(link.url).toMatch(/^\/webhooks\/portal\/link\?token=v1\.[\w-]+\.[\w-]+$/);
    const opened = await request(t.url).get(link.url);
    expect(opened.headers['cache-control']).toBe('no-store');
    expect(opened.headers['referrer-policy']).toBe('no-referrer');
    expect(opened.text).toContain('<meta http-equiv="refresh" content="0; url=/webhooks/portal">');
    const { cookie, setCookie, csrf } = await openLink(t, link.url);
    expect(setCookie).toMatch(
      /^webhooks_portal=v1\.[\w-]+\.[\w-]+; Max-Age=3600; Path=\/webhooks\/portal; HttpOnly; SameSite=Strict$/,
    );
    expect(cookie.split('=')[1]).not.toBe(new URL(link.url, 'http://x').searchParams.get('token'));

    const session = await request(t.url).get('/webhooks/portal/api/session').set('cookie', cookie);
    expect(session.body).toMatchObject({
      mode: 'link',
      principal: { id: 'alice', isAdmin: false, scope: '/acme' },
      expiresAt: link.expiresAt.toISOString(),
    });
    expect((await request(t.url).get('/webhooks/portal').set('cookie', cookie)).status).toBe(200);
    const listed = await request(t.url).get('/webhooks/portal/api/subscriptions').set('cookie', cookie);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([alice.id]);
    expect(
      (await request(t.url).get(`/webhooks/portal/api/subscriptions/${bob.id}`).set('cookie', cookie)).status,
    ).toBe(404);
    const patchOther = await request(t.url)
      .patch(`/webhooks/portal/api/subscriptions/${bob.id}`)
      .set('cookie', cookie)
      .set('x-webhooks-csrf', csrf)
      .send({ description: 'mine now' });
    expect(patchOther.status).toBe(404);
    // The link acts as alice, not as whoever the admin headers say.
    const asAdmin = await request(t.url).get('/webhooks/portal/api/subscriptions').set('cookie', cookie).set(ops);
    expect(asAdmin.body.items).toHaveLength(1);

    const post = (headers: Record<string, string>) =>
      request(t.url)
        .post('/webhooks/portal/api/subscriptions')
        .set('cookie', cookie)
        .set(headers)
        .send({ to: receiver.url('/alice2'), events: ['contact.create'] });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-webhooks-csrf': 'application' })).status).toBe(403);
    expect((await post({ 'x-webhooks-csrf': csrf, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const made = await post({ 'x-webhooks-csrf': csrf, 'sec-fetch-site': 'same-origin' });
    expect([made.status, made.body.owner, made.body.scope]).toEqual([201, 'alice', '/acme']);
    const admin = await request(t.url)
      .post('/webhooks/portal/api/subscriptions')
      .set('cookie', cookie)
      .set('x-webhooks-csrf', csrf)
      .send({ to: receiver.url('/x'), events: ['contact.create'], owner: 'bob' });
    expect([admin.status, admin.body.field]).toEqual([400, 'owner']);

    const left = await request(t.url)
      .delete('/webhooks/portal/api/session')
      .set('cookie', cookie)
      .set('x-webhooks-csrf', csrf);
    expect(left.status).toBe(204);
    expect((left.headers['set-cookie'] as unknown as string[])[0]).toMatch(
      /^webhooks_portal=; Max-Age=0; Path=\/webhooks\/portal;/,
    );
  });

  it('refuses an altered, truncated or expired link (401, an HTML page saying what to do) and ends its session', async () => {
    const link = t.links.createLink({ owner: 'alice', expiresIn: 60_000 });
    const token = new URL(link.url, 'http://x').searchParams.get('token')!;
    const [version, payload, mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), o: 'bob' }),
    ).toString('base64url');
    const flip = (text: string) => `${text.slice(0, -2)}${text.at(-2) === 'A' ? 'B' : 'A'}${text.at(-1)}`;
    for (const bad of [
      `${version}.${forged}.${mac}`,
      `${version}.${payload}.${flip(mac)}`,
      // The last character's unused bits: the same bytes spelled differently must be refused too.
      `${version}.${payload}.${mac.slice(0, -1)}${mac.at(-1) === 'A' ? 'B' : 'A'}`,
      `${version}.${payload}`,
      '',
    ]) {
      const refused = await request(t.url).get(`/webhooks/portal/link?token=${bad}`);
      expect([refused.status, refused.headers['set-cookie']], bad).toEqual([401, undefined]);
      expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(refused.text).toContain('This portal link has expired, was altered, or has been revoked.');
    }
    // A link token is not a session cookie.
    const asCookie = await request(t.url).get('/webhooks/portal/api/session').set('cookie', `webhooks_portal=${token}`);
    expect(asCookie.status).toBe(401);

    const { cookie } = await openLink(t, link.url);
    t.clock.advance(61_000);
    try {
      expect((await request(t.url).get(link.url)).status).toBe(401);
      const ended = await request(t.url).get('/webhooks/portal/api/subscriptions').set('cookie', cookie);
      expect([ended.status, ended.body.message]).toEqual([401, expect.stringContaining('session has expired')]);
      expect((ended.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^webhooks_portal=; Max-Age=0/);
    } finally {
      t.clock.advance(-61_000);
    }
  });

  it('checks createLink input, naming the field', () => {
    const fail = (input: object) => {
      try {
        t.links.createLink(input as never);
      } catch (error) {
        return error instanceof WebhookValidationError ? error.field : error;
      }
      return 'no error';
    };
    expect(fail({ owner: '', expiresIn: '1h' })).toBe('owner');
    expect(fail({ owner: 'a', expiresIn: '31d' })).toBe('expiresIn');
    expect(fail({ owner: 'a', expiresIn: 500 })).toBe('expiresIn');
    expect(fail({ owner: 'a', expiresIn: 'soon' })).toBe('expiresIn');
    expect(fail({ owner: 'a', scope: 'acme', expiresIn: '1h' })).toBe('scope');
    expect(fail({ owner: 'a', expiresIn: '1h', baseUrl: 'ftp://x' })).toBe('baseUrl');
    const link = t.links.createLink({ owner: 7, expiresIn: '2h', baseUrl: 'https://app.example.com/api/' });
    expect(link.url).toMatch(/^https:\/\/app\.example\.com\/api\/webhooks\/portal\/link\?token=/);
    expect([link.owner, link.scope]).toEqual(['7', '/']);
    expect(link.expiresAt.getTime()).toBeLessThanOrEqual(t.clock.now() + 2 * 3_600_000);
  });
});

describe('portal link keys (rotation and revocation)', () => {
  const apps: PortalTestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const start = async (keys: string[]) => {
    const app = await startPortalApp('express', { keys });
    apps.push(app);
    return app;
  };

  it('verifies with every key and signs with the first; removing a key revokes its links and sessions', async () => {
    const [newKey, oldKey] = PORTAL_KEYS;
    const before = await start([oldKey]);
    const oldLink = before.links.createLink({ owner: 'alice', expiresIn: '1h' });
    const { cookie: oldSession } = await openLink(before, oldLink.url);

    const rotated = await start([newKey, oldKey]);
    expect((await request(rotated.url).get(oldLink.url)).status).toBe(200);
    expect((await request(rotated.url).get('/webhooks/portal/api/session').set('cookie', oldSession)).status).toBe(200);
    const newLink = rotated.links.createLink({ owner: 'alice', expiresIn: '1h' });
    expect((await request(before.url).get(newLink.url)).status).toBe(401);

    const revoked = await start([newKey]);
    expect((await request(revoked.url).get(oldLink.url)).status).toBe(401);
    expect((await request(revoked.url).get('/webhooks/portal/api/session').set('cookie', oldSession)).status).toBe(401);
    expect((await request(revoked.url).get(newLink.url)).status).toBe(200);
  });
});

describe('portal options', () => {
  const admin = { guards: [HeaderAuthGuard], principal: headerPrincipal };
  const optionAt = (portal: unknown) => {
    try {
      WebhooksModule.forRoot({ admin: { ...admin, portal: portal as never } });
    } catch (error) {
      expect(error).toBeInstanceOf(WebhooksConfigurationError);
      return [(error as WebhooksConfigurationError).option, (error as Error).message];
    }
    return ['accepted', ''];
  };

  it('fail at startup naming the option, and saying how to fix it', () => {
    expect(optionAt({ links: { keys: ['short'] } })).toEqual([
      'admin.portal.links.keys[0]',
      expect.stringContaining('openssl rand -base64 32'),
    ]);
    expect(optionAt({ links: { keys: [] } })[0]).toBe('admin.portal.links.keys');
    expect(optionAt({ links: { keys: PORTAL_KEYS, baseUrl: 'app.example.com' } })[0]).toBe(
      'admin.portal.links.baseUrl',
    );
    expect(optionAt({ links: { keys: PORTAL_KEYS, secureCookie: 'yes' } })[0]).toBe('admin.portal.links.secureCookie');
    expect(optionAt({ links: { keys: PORTAL_KEYS, cookieName: 'a b' } })[0]).toBe('admin.portal.links.cookieName');
    expect(optionAt({ path: 'api' })[0]).toBe('admin.portal.path');
    expect(optionAt({ path: 'a/:id' })[0]).toBe('admin.portal.path');
    expect(optionAt({ pollInterval: 10 })[0]).toBe('admin.portal.pollInterval');
    expect(optionAt({ colour: 'blue' })).toEqual([
      'admin.portal.colour',
      expect.stringContaining('Known options: path'),
    ]);
    expect(optionAt('yes')[0]).toBe('admin.portal');
    expect(optionAt(true)[0]).toBe('accepted');
    expect(optionAt(false)[0]).toBe('accepted');
  });

  it('createLink says how to turn links on when they are off', async () => {
    const t = await startPortalApp('express');
    try {
      const links = new (t.links.constructor as new (...args: unknown[]) => typeof t.links)({ clock: t.clock });
      expect(() => links.createLink({ owner: 'a', expiresIn: '1h' })).toThrow(/portal: \{ links: \{ keys:/);
    } finally {
      await t.close();
    }
  });
});

describe('the portal bundle', () => {
  it('is built from the sources by the test itself, and weighs at most 150 KB of JavaScript gzipped', async () => {
    const build = await portalAssets();
    const js = readFileSync(join(build.dir, build.manifest.entry.js));
    const gzipped = gzipSync(js, { level: 9 }).length;
    expect(Math.abs(gzipped - build.gzippedJs)).toBeLessThan(2_048);
    expect(gzipped).toBeGreaterThan(5_000);
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
    // No eval or Function constructor in the bundle: the CSP forbids them.
    expect(js.toString('utf8')).not.toMatch(/\beval\(|new Function\(/);
  });
});
