import type { CheckResult } from './sample.checks';
import { contactOf } from './sample.checks';
import type { RaisedEvent, ScenarioResult } from './sample.scenario';
import { renderTable, wrap } from './text-table';

/** The width the report fits in. */
const WIDTH = 100;

/** The events raised, one per line. */
export function renderEvents(events: RaisedEvent[]): string {
  const width = Math.max(...events.map((e) => e.what.length));
  return events.map((e) => wrap(`  ${e.what.padEnd(width)}  `, e.raised, WIDTH)).join('\n');
}

/** The subscriptions, with the full status message of those that are inactive below the table. */
export function renderSubscriptions(result: ScenarioResult): string {
  const rows = result.subscriptions.map(({ name, path, subscription: s }) => [
    name,
    s.scope,
    s.events.join(', '),
    path,
    s.owner ?? '-',
    s.active ? 'active' : 'inactive',
  ]);
  const table = renderTable(
    [
      { header: 'name' },
      { header: 'scope' },
      { header: 'events', max: 22 },
      { header: 'target', max: 20 },
      { header: 'owner' },
      { header: 'status' },
    ],
    rows,
  );
  const notes = result.subscriptions
    .filter(({ subscription }) => !subscription.active)
    .map(({ name, subscription }) => wrap(`  ${name}: `, subscription.statusMessage, WIDTH, '    '));
  return [table, ...notes].join('\n');
}

/**
 * The attempts, oldest first: the last try's status message, HTTP code and duration, the number of
 * tries, and whether the receiver verified the signature of every try.
 */
export function renderAttempts(result: ScenarioResult): string {
  const rows = result.attempts.map(({ name, path, attempt }) => {
    const received = result.received.filter((r) => r.path === path && r.webhookId === attempt.messageId);
    const signed = received.length === 0 ? '-' : received.every((r) => r.verified) ? 'yes' : 'NO';
    return [
      name,
      attempt.event,
      contactOf(attempt.request.body),
      attempt.status,
      attempt.message ?? '',
      attempt.response ? String(attempt.response.statusCode) : '-',
      attempt.response ? String(Math.round(attempt.response.elapsedMs)) : '-',
      String(attempt.attemptCount),
      signed,
    ];
  });
  return renderTable(
    [
      { header: 'name' },
      { header: 'event' },
      { header: 'contact' },
      { header: 'status' },
      { header: 'message', max: 26 },
      { header: 'code', right: true },
      { header: 'ms', right: true },
      { header: 'tries', right: true },
      { header: 'signed' },
    ],
    rows,
  );
}

/** The checks, ✓ or ✗ each. */
export function renderChecks(checks: CheckResult[]): string {
  return checks.map((c) => wrap(`  ${c.ok ? '✓' : '✗'} `, c.message, WIDTH)).join('\n');
}

/** How to look at the same data through the admin API while the sample serves (a shell block). */
export function renderCurlExamples(baseUrl: string, result: ScenarioResult): string {
  const failing = result.subscriptions.find((s) => s.name === 'failing')?.subscription.id ?? '<id>';
  return [
    `  APP=${baseUrl} FAILING=${failing}`,
    `  # every subscription (administrator), then those of OUN's manager:`,
    `  curl -s -H 'x-api-key: sample-admin' $APP/webhooks/subscriptions`,
    `  curl -s -H 'x-api-key: oun-manager' $APP/webhooks/subscriptions`,
    `  # the attempts of "failing", each try listed; then send it a test event:`,
    `  curl -s -H 'x-api-key: sample-admin' $APP/webhooks/subscriptions/$FAILING/attempts`,
    `  curl -s -H 'x-api-key: sample-admin' -X POST $APP/webhooks/subscriptions/$FAILING/test`,
    `  # raise events: a new contact in OUN`,
    `  curl -s $APP/contacts -H 'content-type: application/json' \\`,
    `    -d '{"office":"/noaa/nws/oun","name":"Carol","email":"carol@noaa.gov"}'`,
  ].join('\n');
}
