/**
 * Scenario 6's measuring process (forked on plain `node --expose-gc` by memory.scenario.ts, so that
 * nothing else of the benchmark sits in its heap): loads the subscriptions, and — once the delivery
 * engine exists — the attempts in flight, and reports its RSS.
 */
import 'reflect-metadata';
import { SubscriptionIndex } from '../../lib/registry/subscription.index';
import { buildScopeTree, buildSubscriptions } from '../support/subscription-fixtures';

/** What the child reports to memory.scenario.ts. */
export interface MemoryChildReport {
  gcExposed: boolean;
  /** After loading the code (the module, TypeORM), before any subscription: the process's own floor. */
  before: NodeJS.MemoryUsage;
  /** With the subscriptions in a SubscriptionIndex (the fixture array dropped). */
  withSubscriptions: NodeJS.MemoryUsage;
  subscriptions: number;
  /** With the attempts in flight as well; `null` until the delivery engine exists. */
  withAttemptsInFlight: NodeJS.MemoryUsage | null;
  attemptsInFlight: number;
}

const SUBSCRIPTIONS = 100_000;
const ATTEMPTS_IN_FLIGHT = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;

/** Full collections until RSS settles, so that the reading is what is live, not garbage waiting. */
function settle(): NodeJS.MemoryUsage {
  if (gc) for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

// ───────────────────────────── LEAD: 10k attempts in flight ─────────────────────────────
// Fill this in when the delivery engine exists: start the engine (in-memory or SQLite) with the index
// above, make `count` deliveries be in flight at once — e.g. a transport whose send() parks on a promise
// that is resolved only after the reading — and return something that holds them, plus a release()
// to let them finish. Until then it returns null and the scenario reports "not yet available".
async function loadAttemptsInFlight(
  _index: SubscriptionIndex,
  _count: number,
): Promise<{ release(): Promise<void> } | null> {
  return null;
}
// ─────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const before = settle();
  const index = new SubscriptionIndex();
  for (const subscription of buildSubscriptions(SUBSCRIPTIONS, buildScopeTree())) index.put(subscription);
  const withSubscriptions = settle();
  const inFlight = await loadAttemptsInFlight(index, ATTEMPTS_IN_FLIGHT);
  const withAttemptsInFlight = inFlight ? settle() : null;
  await inFlight?.release();
  const report: MemoryChildReport = {
    gcExposed: typeof gc === 'function',
    before,
    withSubscriptions,
    subscriptions: index.size,
    withAttemptsInFlight,
    attemptsInFlight: inFlight ? ATTEMPTS_IN_FLIGHT : 0,
  };
  process.send!(report, () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
