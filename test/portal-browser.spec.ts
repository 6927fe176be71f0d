import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually';
import { type PortalTestApp, startPortalApp } from './support/portal-app';
import { TestReceiver } from './support/receiver';

/**
 * The portal in a real browser: Debian's Chromium driven by playwright-core, one browser for the file and a
 * page per test, on Express and on Fastify. `PORTAL_SCREENSHOTS=1` writes the screenshots into docs/images
 * (light and dark, desktop and phone width); otherwise they go to a temporary folder, taken all the same.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS
  ? join(__dirname, '..', 'docs', 'images')
  : mkdtempSync(join(tmpdir(), 'portal-shots-'));
const OPERATOR = { 'x-user': 'ops', 'x-admin': 'true' };

let browser: Browser;

/** Waits (with a deadline) until the locator is visible. */
const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 10_000 });

/** Waits until the locator's text matches. */
async function textOf(locator: Locator, pattern: string | RegExp): Promise<void> {
  let last = '';
  await eventually(
    async () => {
      last = (await locator.first().textContent({ timeout: 10_000 })) ?? '';
      return typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last);
    },
    () => `${String(pattern)} in ${JSON.stringify(last)}`,
    10_000,
    50,
  );
}

/** Waits until the attribute has the value. */
async function attributeOf(locator: Locator, name: string, value: string): Promise<void> {
  await eventually(async () => (await locator.getAttribute(name)) === value, `${name}="${value}"`, 10_000, 50);
}

/** Waits until the element has the focus. */
async function focused(locator: Locator): Promise<void> {
  await eventually(() => locator.evaluate((el: any) => el === el.ownerDocument.activeElement), 'the focus', 10_000, 50);
}

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh browser context (its own cookies), failing the test on any page error or CSP violation. */
async function openPage(options: { operator?: boolean; phone?: boolean; dark?: boolean } = {}): Promise<{
  context: BrowserContext;
  page: Page;
  problems: string[];
}> {
  const context = await browser.newContext({
    extraHTTPHeaders: options.operator ? OPERATOR : {},
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    colorScheme: options.dark ? 'dark' : 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Refusals the tests provoke (a 400 for the SSRF guard, 401/404) are logged by the browser as failed loads.
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });
  return { context, page, problems };
}

describe.each(['express', 'fastify'] as const)('the web portal in Chromium on %s', (adapter) => {
  let t: PortalTestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    t = await startPortalApp(adapter, { portal: { title: 'Acme webhooks' } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('creates an endpoint, sends a test event, shows its attempt live, replays it and rotates the secret', async () => {
    const { context, page, problems } = await openPage({ operator: true });
    try {
      await page.goto(`${t.url}/webhooks/portal`);
      await visible(page.getByRole('heading', { name: 'Endpoints' }));
      expect(await page.title()).toBe('Acme webhooks');
      await page.getByRole('link', { name: 'New endpoint' }).click();

      // The API's 400 beside the field: the SSRF guard refuses a cloud metadata address.
      const url = page.getByLabel('Endpoint URL');
      await url.fill('http://169.254.169.254/latest/meta-data');
      await page.getByRole('checkbox', { name: 'contact.create' }).check();
      await page.getByText('Example payload').first().click();
      await visible(page.getByText('"name": "Ada Lovelace"'));
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      await attributeOf(url, 'aria-invalid', 'true');
      await focused(url);
      await textOf(page.locator('#f-to-error'), /169\.254\.169\.254|link-local|metadata/);

      await url.fill(receiver.url(`/${adapter}`));
      await page.getByLabel('Description').fill('CRM sync');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      const dialog = page.getByRole('dialog', { name: /signing secret/ });
      const secret = await dialog.getByLabel('Signing secret').inputValue();
      expect(secret).toMatch(/^whsec_/);
      await dialog.getByRole('button', { name: 'I have stored it' }).click();
      await visible(page.getByRole('heading', { level: 1, name: receiver.url(`/${adapter}`) }));
      await visible(page.getByText('No delivery attempts yet'));

      // The attempt appears without a reload (polling), with its request and response.
      await page.getByRole('button', { name: 'Send test event' }).click();
      await textOf(page.getByRole('status'), 'Test event sent');
      const row = page.locator('tr[data-attempt]').first();
      await textOf(row, 'successful');
      await textOf(row, '200');
      await row.getByRole('link').click();
      await visible(page.getByRole('heading', { name: /Attempt/ }));
      await textOf(page.getByRole('region', { name: 'Request' }), 'webhook-signature');
      await textOf(page.getByRole('region', { name: 'Request' }), '[redacted]');
      await textOf(page.getByLabel('Request body'), '"test": true');
      await textOf(page.getByRole('region', { name: 'Response' }), '200 OK');

      // Replay by filter: the successful attempt is sent again, and its second try shows up by itself.
      await page.getByRole('link', { name: '← Endpoint' }).click();
      await page.getByLabel('Attempts that').selectOption('successful');
      await page.getByRole('button', { name: 'Replay attempts' }).click();
      await textOf(page.getByRole('status'), '1 attempt scheduled again.');
      await receiver.waitFor(2, `/${adapter}`);
      await textOf(page.locator('tr[data-attempt] td[data-label="Tries"]').first(), /^2$/);

      // Rotation with an overlap: a new secret, shown once.
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const rotate = page.getByRole('dialog', { name: 'Rotate the signing secret' });
      await rotate.getByLabel('Keep the current secret signing for').selectOption({ label: '1 hour' });
      await rotate.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = page.getByRole('dialog', { name: 'New signing secret' });
      const next = await rotated.getByLabel('Signing secret').inputValue();
      expect(next).toMatch(/^whsec_/);
      expect(next).not.toBe(secret);
      await page.keyboard.press('Escape');
      await rotated.waitFor({ state: 'hidden', timeout: 10_000 });

      // Deactivate and activate again; then the keyboard reaches the actions.
      await page.getByRole('button', { name: 'Deactivate' }).click();
      await visible(page.getByText('○ Inactive'));
      await page.getByRole('button', { name: 'Activate' }).click();
      await visible(page.getByText('● Active'));
      const [subscription] = (await t.subscriptions.list({ owner: 'ops' })).items;
      expect(subscription).toMatchObject({ active: true, description: 'CRM sync', events: ['contact.create'] });

      if (adapter === 'express') await screenshots(t, subscription.id);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('opens a portal link as its owner only; another owner’s endpoint is not found; bad links are refused', async () => {
    const mine = await t.subscriptions.create({
      to: receiver.url('/alice'),
      events: ['contact.create'],
      owner: 'alice',
      scope: '/acme',
      description: 'Alice’s endpoint',
    });
    const theirs = await t.subscriptions.create({
      to: receiver.url('/bob'),
      events: ['contact.create'],
      owner: 'bob',
      scope: '/acme',
      description: 'Bob’s endpoint',
    });
    const link = t.links.createLink({ owner: 'alice', scope: '/acme', expiresIn: '10m' });
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${t.url}${link.url}`);
      await page.waitForURL(`${t.url}/webhooks/portal`);
      await visible(page.getByText('Portal link for alice'));
      await visible(page.getByRole('link', { name: receiver.url('/alice') }));
      expect(await page.getByText('Bob’s endpoint').count()).toBe(0);
      const cookies = await context.cookies();
      expect(cookies.map((c) => [c.name, c.path, c.httpOnly, c.sameSite])).toEqual([
        ['webhooks_portal', '/webhooks/portal', true, 'Strict'],
      ]);

      // A change through the link session (the CSRF token travels in the header).
      await page.getByRole('link', { name: receiver.url('/alice') }).click();
      await page.getByRole('button', { name: 'Deactivate' }).click();
      await visible(page.getByText('○ Inactive'));
      expect((await t.subscriptions.get(mine.id)).active).toBe(false);

      await page.goto(`${t.url}/webhooks/portal#/endpoints/${theirs.id}`);
      await textOf(page.getByRole('alert'), `Webhook subscription "${theirs.id}" was not found.`);

      // The event catalog.
      await page.getByRole('link', { name: 'Event types' }).click();
      await visible(page.getByRole('heading', { name: 'contact.delete' }));
      await visible(page.getByText('A contact was created.'));
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }

    const refused = await openPage();
    try {
      const altered = link.url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      const answer = await refused.page.goto(`${t.url}${altered}`);
      expect(answer?.status()).toBe(401);
      await visible(refused.page.getByRole('heading', { name: 'Not signed in' }));
      await visible(refused.page.getByText('This portal link has expired, was altered'));

      const short = t.links.createLink({ owner: 'alice', scope: '/acme', expiresIn: '1m' });
      t.clock.advance(120_000);
      try {
        expect((await refused.page.goto(`${t.url}${short.url}`))?.status()).toBe(401);
      } finally {
        t.clock.advance(-120_000);
      }
      expect(await refused.context.cookies()).toEqual([]);
    } finally {
      await refused.context.close();
    }
  });
});

/** The screenshots of docs/portal.md and the README: an endpoint with its attempts, light and dark, desktop and phone. */
async function screenshots(t: PortalTestApp, id: string): Promise<void> {
  for (const dark of [false, true]) {
    for (const phone of [false, true]) {
      const { context, page } = await openPage({ operator: true, dark, phone });
      try {
        await page.goto(`${t.url}/webhooks/portal#/endpoints/${id}`);
        await visible(page.locator('tr[data-attempt]').first());
        await page.getByRole('checkbox', { name: 'Live updates' }).uncheck();
        await page.evaluate('window.scrollTo(0, 0)');
        const name = `portal-${dark ? 'dark' : 'light'}-${phone ? 'phone' : 'desktop'}.png`;
        await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: !phone });
      } finally {
        await context.close();
      }
    }
  }
  const list = await openPage({ operator: true });
  try {
    await list.page.goto(`${t.url}/webhooks/portal`);
    await visible(list.page.getByText('100%').first());
    await list.page.screenshot({ path: join(SCREENSHOTS, 'portal-endpoints.png') });
  } finally {
    await list.context.close();
  }
}
