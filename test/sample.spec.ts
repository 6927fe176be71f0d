import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario } from '../sample/demo/sample.checks';
import { EXPECTED_ATTEMPTS, ROLLED_BACK_CONTACT, SUBSCRIPTIONS } from '../sample/demo/sample.plan';
import type { ScenarioResult } from '../sample/demo/sample.scenario';
import { GONE_DEACTIVATION_MESSAGE } from '../lib/core/messages/status.messages';
import { run as runCommand, type Run, type RunningServer, startServer } from './support/child-process';

const ROOT = join(__dirname, '..');
/** How long one run of the sample may take before the test kills it (it takes a few seconds). */
const RUN_DEADLINE_MS = 90_000;

/** Runs `npm run sample -- <args>` as a user would (without PORT: --once then takes any free port). */
const runSample = (args: string[]): Promise<Run> =>
  runCommand('npm', ['run', 'sample', '--', ...args], ROOT, RUN_DEADLINE_MS, { PORT: undefined });

/** The lines of the section that starts with a line beginning with `title`, up to the next blank line. */
function section(output: string, title: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith(title));
  if (start < 0) throw new Error(`no "${title}" section in:\n${output}`);
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('the sample app (npm run sample -- --once)', () => {
  let run: Run;

  beforeAll(async () => {
    run = await runSample(['--once']);
  }, RUN_DEADLINE_MS + 5_000);

  it('exits 0 after every check passed, with nothing on stderr but npm noise', () => {
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^All 5 checks passed, \d+\.\d s after start\.$/m);
    expect(section(run.stdout, 'Checks').every((line) => line.startsWith('  ✓ ') || line.startsWith('    '))).toBe(
      true,
    );
    expect(run.stderr).not.toMatch(/ERROR|WARN|Sample failed/);
  });

  it('prints one row per planned attempt: status, message, code, ms, tries and a verified signature', () => {
    const rows = section(run.stdout, 'Delivery attempts').slice(2); // below the header and the rule
    const expected = [
      ['audit', 'contact.create', 'Bob', 'successful', '200 OK', '200', '1'],
      ['oun', 'contact.create', 'Bob', 'successful', '200 OK', '200', '1'],
      ['failing', 'contact.create', 'Bob', 'failed', '500 Internal Server Error', '500', '3'],
      ['audit', 'contact.create', 'Ann', 'successful', '200 OK', '200', '1'],
      ['ama', 'contact.create', 'Ann', 'successful', '200 OK', '200', '1'],
      ['failing', 'contact.create', 'Ann', 'failed', '500 Internal Server Error', '500', '3'],
      ['audit', 'contact.update', 'Bob', 'successful', '200 OK', '200', '1'],
      ['audit', 'contact.transfer', 'Bob', 'successful', '200 OK', '200', '1'],
      ['oun', 'contact.transfer', 'Bob', 'successful', '200 OK', '200', '1'],
      ['gone', 'contact.transfer', 'Bob', 'failed', '410 Gone', '410', '1'],
    ];
    expect(rows).toHaveLength(expected.length);
    for (const [row, [name, event, contact, status, message, code, tries]] of rows.map(
      (r, i) => [r, expected[i]] as const,
    )) {
      const cells = row.split(/ {2,}/);
      // name, event, contact, status, message, code, ms, tries, signed
      expect(cells, row).toEqual([
        name,
        event,
        contact,
        status,
        message,
        code,
        expect.stringMatching(/^\d+$/),
        tries,
        'yes',
      ]);
    }
  });

  it('lists the subscriptions: the one that answered 410 is inactive, with the reason', () => {
    const rows = section(run.stdout, 'Subscriptions').slice(2);
    expect(rows.slice(0, 5).map((row) => row.split(/ {2,}/))).toEqual([
      ['audit', '/', 'contact.*', '/hooks/audit', '-', 'active'],
      ['oun', '/noaa/nws/oun', 'contact.*', '/hooks/oun', 'oun-manager', 'active'],
      ['ama', '/noaa/nws/ama', 'contact.create', '/hooks/ama', '-', 'active'],
      ['failing', '/noaa/nws', 'contact.create', '/hooks/failing', '-', 'active'],
      ['gone', '/noaa', 'contact.transfer', '/hooks/gone', '-', 'inactive'],
    ]);
    expect(rows.slice(5).join(' ').replace(/\s+/g, ' ').trim()).toBe(`gone: ${GONE_DEACTIVATION_MESSAGE}`);
  });

  it('rolls the import back: Eve appears in no attempt, and the run says why', () => {
    const mentions = run.stdout.split('\n').filter((line) => new RegExp(`\\b${ROLLED_BACK_CONTACT}\\b`).test(line));
    expect(mentions).toEqual([
      expect.stringMatching(
        /^ {2}Import Eve and Mallory into OUN +rolled back: email "mallory" is not an e-mail address/,
      ),
      '  ✓ the rolled-back import sent nothing: no webhook for Eve',
    ]);
  });

  it('shows progress, the verified signatures, the admin API check and curl examples, within 100 columns', () => {
    expect(run.stdout).toMatch(/^Deliveries: 10\/10 resolved in \d+\.\d s$/m);
    expect(run.stdout).toContain('  ✓ 14 requests received, each signature verified by the standardwebhooks package');
    expect(run.stdout).toContain(
      '  ✓ admin API: sample-admin lists 5 subscriptions, oun-manager its own (oun), no key → 403',
    );
    expect(run.stdout).toMatch(/^ {2}APP=http:\/\/127\.0\.0\.1:\d+ FAILING=[0-9a-f-]{36}$/m);
    expect(run.stdout).toContain(
      "  curl -s -H 'x-api-key: sample-admin' $APP/webhooks/subscriptions/$FAILING/attempts",
    );
    // Not a terminal: no carriage returns, plain lines.
    expect(run.stdout).not.toContain('\r');
    // A URL cannot be wrapped (terminals make it clickable as it is): the portal link alone is longer.
    const wide = run.stdout.split('\n').filter((line) => [...line].length > 100 && !/^ {2}https?:\/\/\S+$/.test(line));
    expect(wide).toEqual([]);
  });

  it('prints the curl lines of the metrics and the health check', () => {
    expect(section(run.stdout, 'Operations: Prometheus metrics and the health check')).toEqual([
      expect.stringMatching(/^ {2}curl -s http:\/\/127\.0\.0\.1:\d+\/metrics \| grep '\^webhooks_'$/),
      expect.stringMatching(/^ {2}curl -s http:\/\/127\.0\.0\.1:\d+\/health$/),
    ]);
  });

  it("prints the two portal links: the administrator's sign-in and OUN's manager's portal link", () => {
    const lines = section(run.stdout, 'The portal, in a browser');
    expect(lines).toEqual([
      '  as the administrator (signs in with the sample-admin key, kept in a cookie):',
      expect.stringMatching(/^ {2}http:\/\/127\.0\.0\.1:\d+\/sign-in\?key=sample-admin$/),
      "  as OUN's manager, through a portal link (24 h; a new key at each run revokes the old ones):",
      expect.stringMatching(/^ {2}http:\/\/127\.0\.0\.1:\d+\/webhooks\/portal\/link\?token=v1\.[\w-]+\.[\w-]+$/),
    ]);
  });

  it(
    'serves until SIGINT, and its two links open the portal in a browser as they are (no header to set)',
    async () => {
      const serving = await serveSample();
      try {
        const [admin, manager] = section(serving.stdout(), 'The portal, in a browser')
          .filter((line) => line.startsWith('  http'))
          .map((line) => line.trim());
        const base = new URL(admin).origin;
        // What a browser does: follow the link, keep the cookie it sets, load the page and its API.
        const open = async (url: string) => {
          const answer = await fetch(url);
          expect(answer.status).toBe(200);
          expect(await answer.text()).toContain('<meta http-equiv="refresh" content="0; url=/webhooks/portal">');
          return answer.headers.getSetCookie()[0].split(';')[0];
        };
        for (const [url, names] of [
          [admin, 5],
          [manager, 1],
        ] as const) {
          const cookie = await open(url);
          const page = await fetch(`${base}/webhooks/portal`, { headers: { cookie } });
          expect([page.status, page.headers.get('content-security-policy')]).toEqual([
            200,
            expect.stringContaining("script-src 'self'"),
          ]);
          const listed = await fetch(`${base}/webhooks/portal/api/subscriptions`, { headers: { cookie } });
          const body = (await listed.json()) as { items: Array<{ owner: string | null }> };
          expect(body.items.length, url).toBe(names);
          if (names === 1) expect(body.items[0].owner).toBe('oun-manager');
        }
        expect((await fetch(`${base}/webhooks/portal`)).status).toBe(403);

        // The operations endpoints whose curl lines it printed: Prometheus text and terminus.
        const [metricsLine, healthLine] = section(serving.stdout(), 'Operations:').map((line) => line.trim());
        const metricsUrl = metricsLine.split(' ')[2];
        expect(metricsUrl).toBe(`${base}/metrics`);
        const text = await (await fetch(metricsUrl)).text();
        const succeeded = text
          .split('\n')
          .filter((l) => l.startsWith('webhooks_deliveries_total{') && l.includes('outcome="succeeded"'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        expect(succeeded).toBe(7);
        expect(text).toMatch(/^webhooks_outbox_due(\{[^}]*\})? 0$/m);
        const health = await fetch(healthLine.split(' ')[2]);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({
          status: 'ok',
          info: { webhooks: { status: 'up', engine: 'running' } },
        });
      } finally {
        // npm passes the signal on to the sample, which closes the app.
        await serving.stop('SIGINT', RUN_DEADLINE_MS);
        expect(serving.stdout()).toMatch(/^SIGINT: closing the app/m);
      }
    },
    RUN_DEADLINE_MS + 5_000,
  );

  it(
    'refuses an unknown option with the usage and exit code 1',
    async () => {
      const bad = await runSample(['--onse']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("Unknown option '--onse'");
      expect(bad.stderr).toContain('Usage: npm run sample');
    },
    RUN_DEADLINE_MS + 5_000,
  );
});

/** `npm run sample` on any free port, serving: resolves once it says so; `stop()` sends SIGINT (as Ctrl-C does, to the process group) and waits for the end. */
/** `npm run sample`, serving until it is stopped. */
const serveSample = (): Promise<RunningServer> =>
  startServer({
    command: 'npm',
    args: ['run', 'sample'],
    cwd: ROOT,
    env: { PORT: '0' },
    ready: /Ctrl-C to stop/,
    deadlineMs: RUN_DEADLINE_MS,
  });

/** A run that went exactly as planned, built from the plan (what checkScenario reads of it). */
function plannedResult(): ScenarioResult {
  const subscriptions = SUBSCRIPTIONS.map((plan, i) => ({
    name: plan.name,
    path: plan.path,
    subscription: {
      id: `sub-${i}`,
      active: plan.answer !== 410,
      statusMessage: plan.answer === 410 ? GONE_DEACTIVATION_MESSAGE : 'Active',
    },
  }));
  const attempts = EXPECTED_ATTEMPTS.map((e, i) => ({
    name: e.subscription,
    path: SUBSCRIPTIONS.find((p) => p.name === e.subscription)!.path,
    attempt: {
      id: `a${i}`,
      messageId: `msg_${i}`,
      event: e.event,
      status: e.status,
      attemptCount: e.tries,
      message: 'x',
      request: { body: JSON.stringify({ name: e.contact }) },
    },
  }));
  const received = attempts.flatMap(({ path, attempt }) =>
    Array.from({ length: attempt.attemptCount }, () => ({
      path,
      webhookId: attempt.messageId,
      verified: true,
      status: 200,
      body: attempt.request.body,
    })),
  );
  return {
    subscriptions,
    attempts,
    received,
    events: [{ what: 'Import', raised: 'rolled back: bad email' }],
    contacts: [],
    admin: [
      { caller: 'sample-admin', status: 200, names: SUBSCRIPTIONS.map((p) => p.name) },
      { caller: 'oun-manager', status: 200, names: ['oun'] },
      { caller: 'no key', status: 403, names: [] },
    ],
  } as unknown as ScenarioResult;
}

describe('the sample checks (what decides its exit code)', () => {
  const failures = (result: ScenarioResult) =>
    checkScenario(result)
      .filter((c) => !c.ok)
      .map((c) => c.message);

  it('pass for a run as planned', () => {
    expect(failures(plannedResult())).toEqual([]);
  });

  it('fail on a delivery still pending at the deadline, naming it', () => {
    const result = plannedResult();
    Object.assign(result.attempts[4].attempt, { status: 'pending', attemptCount: 0 });
    result.received = result.received.filter((r) => r.webhookId !== result.attempts[4].attempt.messageId);
    expect(failures(result)).toEqual([
      'delivery attempts differ from the plan: contact.create (Ann) to ama was still pending after 20 s (0 tries so far)',
    ]);
  });

  it('fail on a signature that did not verify', () => {
    const result = plannedResult();
    Object.assign(result.received[0], { verified: false, failure: 'No matching signature found' });
    expect(failures(result)).toEqual([
      '1 of 14 requests did not verify; first: /hooks/audit msg_0: No matching signature found',
    ]);
  });

  it('fail when the rolled-back contact was delivered', () => {
    const result = plannedResult();
    const leaked = {
      ...result.attempts[0],
      attempt: { ...result.attempts[0].attempt, id: 'a99', messageId: 'msg_99', request: { body: '{"name":"Eve"}' } },
    };
    result.attempts.push(leaked as (typeof result.attempts)[number]);
    result.received.push({
      path: '/hooks/audit',
      webhookId: 'msg_99',
      verified: true,
      status: 200,
      body: '{"name":"Eve"}',
    });
    const messages = failures(result);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toBe(
      'delivery attempts differ from the plan: unexpected attempt: contact.create (Eve) to audit, successful',
    );
    expect(messages[1]).toBe(
      'the rolled-back import leaked: an attempt of contact.create to audit carries Eve; /hooks/audit received Eve',
    );
  });

  it('fail when the admin API lets a caller without a key in', () => {
    const result = plannedResult();
    result.admin[2] = { caller: 'no key', status: 200, names: [] };
    expect(failures(result)).toEqual(['admin API: a request without a key got 200, expected 403']);
  });
});
