import { GONE_DEACTIVATION_MESSAGE } from '../../lib/core/messages/status.messages';
import { EXPECTED_ATTEMPTS, type ExpectedAttempt, ROLLED_BACK_CONTACT, SUBSCRIPTIONS } from './sample.plan';
import { DELIVERY_DEADLINE_MS, type ScenarioResult } from './sample.scenario';

/** The outcome of one check: what was verified, or what went wrong and where to look. */
export interface CheckResult {
  ok: boolean;
  message: string;
}

/** The contact named in an attempt's body (the payload, or the `data` of the Standard Webhooks envelope). */
export function contactOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { name?: unknown; data?: { name?: unknown } };
    return String((parsed.data ?? parsed).name ?? '?');
  } catch {
    return '?';
  }
}

const tries = (n: number) => `${n} ${n === 1 ? 'try' : 'tries'}`;

const describe = (e: Pick<ExpectedAttempt, 'subscription' | 'event' | 'contact'>) =>
  `${e.event} (${e.contact}) to ${e.subscription}`;

/** Whether the run came out as the sample promises; each failed check says what differed. */
export function checkScenario(result: ScenarioResult): CheckResult[] {
  return [
    checkAttempts(result),
    checkSignatures(result),
    checkRollback(result),
    checkActivity(result),
    checkAdminApi(result),
  ];
}

function checkAttempts(result: ScenarioResult): CheckResult {
  const actual = result.attempts.map(({ name, attempt }) => ({
    subscription: name,
    event: attempt.event,
    contact: contactOf(attempt.request.body),
    status: attempt.status,
    tries: attempt.attemptCount,
    message: attempt.message,
  }));
  const problems: string[] = [];
  const unmatched = [...actual];
  for (const expected of EXPECTED_ATTEMPTS) {
    const index = unmatched.findIndex(
      (a) => a.subscription === expected.subscription && a.event === expected.event && a.contact === expected.contact,
    );
    if (index < 0) {
      problems.push(`${describe(expected)} was never attempted`);
      continue;
    }
    const [got] = unmatched.splice(index, 1);
    if (got.status === 'pending') {
      problems.push(
        `${describe(expected)} was still pending after ${DELIVERY_DEADLINE_MS / 1000} s (${tries(got.tries)} so far)`,
      );
    } else if (got.status !== expected.status || got.tries !== expected.tries) {
      problems.push(
        `${describe(expected)}: expected ${expected.status} after ${tries(expected.tries)}, got ${got.status} after ${tries(got.tries)} (${got.message})`,
      );
    }
  }
  for (const extra of unmatched) problems.push(`unexpected attempt: ${describe(extra)}, ${extra.status}`);
  if (problems.length > 0)
    return { ok: false, message: `delivery attempts differ from the plan: ${problems.join('; ')}` };
  const failed = EXPECTED_ATTEMPTS.filter((e) => e.status === 'failed');
  const retried = failed.filter((e) => e.tries > 1);
  return {
    ok: true,
    message: `${actual.length} attempts as planned: ${actual.length - failed.length} successful, ${retried.length} failed after ${tries(retried[0]?.tries ?? 0)}, ${failed.length - retried.length} answered 410 Gone`,
  };
}

function checkSignatures(result: ScenarioResult): CheckResult {
  const bad = result.received.filter((r) => !r.verified);
  if (bad.length > 0) {
    const first = bad[0];
    return {
      ok: false,
      message: `${bad.length} of ${result.received.length} requests did not verify; first: ${first.path} ${first.webhookId}: ${first.failure}`,
    };
  }
  const recorded = result.attempts.reduce((sum, { attempt }) => sum + attempt.attemptCount, 0);
  if (result.received.length !== recorded) {
    return {
      ok: false,
      message: `the receiver got ${result.received.length} requests, the attempts record ${tries(recorded)}`,
    };
  }
  return {
    ok: true,
    message: `${result.received.length} requests received, each signature verified by the standardwebhooks package`,
  };
}

function checkRollback(result: ScenarioResult): CheckResult {
  const mentions = (body: string) => body.includes(`"${ROLLED_BACK_CONTACT}"`);
  const problems = [
    ...(result.contacts.some((c) => c.name === ROLLED_BACK_CONTACT)
      ? [`${ROLLED_BACK_CONTACT} is in the contacts table`]
      : []),
    ...result.attempts
      .filter(({ attempt }) => mentions(attempt.request.body))
      .map(({ name, attempt }) => `an attempt of ${attempt.event} to ${name} carries ${ROLLED_BACK_CONTACT}`),
    ...result.received.filter((r) => mentions(r.body)).map((r) => `${r.path} received ${ROLLED_BACK_CONTACT}`),
  ];
  if (!result.events.some((e) => e.raised.startsWith('rolled back'))) problems.push('the import was not rolled back');
  return problems.length > 0
    ? { ok: false, message: `the rolled-back import leaked: ${problems.join('; ')}` }
    : { ok: true, message: `the rolled-back import sent nothing: no webhook for ${ROLLED_BACK_CONTACT}` };
}

function checkActivity(result: ScenarioResult): CheckResult {
  const problems: string[] = [];
  for (const { name, subscription } of result.subscriptions) {
    const plan = SUBSCRIPTIONS.find((p) => p.name === name);
    if (plan?.answer === 410) {
      if (subscription.active || subscription.statusMessage !== GONE_DEACTIVATION_MESSAGE) {
        problems.push(
          `${name} should be inactive after its 410 (active: ${subscription.active}, "${subscription.statusMessage}")`,
        );
      }
    } else if (!subscription.active) {
      problems.push(`${name} was deactivated: "${subscription.statusMessage}"`);
    }
  }
  return problems.length > 0
    ? { ok: false, message: problems.join('; ') }
    : { ok: true, message: 'the 410 Gone deactivated "gone" at once; the others are active' };
}

function checkAdminApi(result: ScenarioResult): CheckResult {
  const [admin, manager, anonymous] = result.admin;
  const all = SUBSCRIPTIONS.map((p) => p.name).sort();
  const owned = SUBSCRIPTIONS.filter((p) => p.input.owner === 'oun-manager').map((p) => p.name);
  const problems: string[] = [];
  if (admin.status !== 200 || admin.names.slice().sort().join() !== all.join()) {
    problems.push(`sample-admin got ${admin.status} [${admin.names.join(', ')}], expected 200 [${all.join(', ')}]`);
  }
  if (manager.status !== 200 || manager.names.join() !== owned.join()) {
    problems.push(
      `oun-manager got ${manager.status} [${manager.names.join(', ')}], expected 200 [${owned.join(', ')}]`,
    );
  }
  if (anonymous.status !== 403) problems.push(`a request without a key got ${anonymous.status}, expected 403`);
  return problems.length > 0
    ? { ok: false, message: `admin API: ${problems.join('; ')}` }
    : {
        ok: true,
        message: `admin API: sample-admin lists ${admin.names.length} subscriptions, oun-manager its own (${owned.join(', ')}), no key → 403`,
      };
}
