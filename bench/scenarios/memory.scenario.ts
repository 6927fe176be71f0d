import { forkCompiled } from '../support/node-child';
import { atMost, NEEDS_DELIVERY_ENGINE, type BenchScenario, type ResultRow } from '../support/scenario';
import type { MemoryChildReport } from './memory.child';

const RSS_TARGET_MB = 200;
const CHILD_TIMEOUT_MS = 120_000;
const MB = 2 ** 20;

/**
 * Scenario 6: resident memory with 100k subscriptions loaded and 10k attempts in flight, measured in a
 * fresh `node --expose-gc` process (the benchmark's own process holds Vite and every other scenario's
 * data). The attempts in flight wait for the delivery engine (see memory.child.ts).
 */
export const memoryScenario: BenchScenario = {
  name: 'memory',
  title: 'Memory: RSS with 100k subscriptions loaded and 10k attempts in flight',
  async run(context) {
    const report = await runChild();
    const gcNote = report.gcExposed ? 'after global.gc()' : 'global.gc was NOT exposed: RSS includes uncollected garbage';
    const floor = report.before.rss / MB;
    const rows: ResultRow[] = [
      {
        scenario: 'memory',
        metric: 'RSS, 100k subs only (partial)',
        value: report.withSubscriptions.rss / MB,
        unit: 'MB',
        baseline: floor,
        baselineLabel: 'same process, before loading',
        ratio: report.withSubscriptions.rss / report.before.rss,
        target: `≤ ${RSS_TARGET_MB} MB (with 10k in flight)`,
        verdict: atMost(report.withSubscriptions.rss / MB, RSS_TARGET_MB),
        note:
          `${report.subscriptions.toLocaleString('en-US')} subscriptions in a SubscriptionIndex; heap used ` +
          `${(report.before.heapUsed / MB).toFixed(1)} → ${(report.withSubscriptions.heapUsed / MB).toFixed(1)} MB; ${gcNote}`,
      },
    ];
    if (report.withAttemptsInFlight) {
      rows.push({
        scenario: 'memory',
        metric: 'RSS, 100k subs + 10k in flight',
        value: report.withAttemptsInFlight.rss / MB,
        unit: 'MB',
        baseline: floor,
        baselineLabel: 'same process, before loading',
        ratio: report.withAttemptsInFlight.rss / report.before.rss,
        target: `≤ ${RSS_TARGET_MB} MB`,
        verdict: atMost(report.withAttemptsInFlight.rss / MB, RSS_TARGET_MB),
        note: `${report.attemptsInFlight.toLocaleString('en-US')} attempts in flight; ${gcNote}`,
      });
    } else {
      rows.push({
        scenario: 'memory',
        metric: 'RSS, 100k subs + 10k in flight',
        value: NEEDS_DELIVERY_ENGINE,
        target: `≤ ${RSS_TARGET_MB} MB`,
        verdict: 'n/a',
      });
    }
    context.log(`  memory: ${(report.withSubscriptions.rss / MB).toFixed(1)} MB with subscriptions (${gcNote})`);
    return rows;
  },
};

function runChild(): Promise<MemoryChildReport> {
  const child = forkCompiled('bench/scenarios/memory.child.ts', { execArgv: ['--expose-gc'] });
  return new Promise((resolve, reject) => {
    let report: MemoryChildReport | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the memory child did not finish within ${CHILD_TIMEOUT_MS / 1000} s`));
    }, CHILD_TIMEOUT_MS);
    child.on('message', (message: MemoryChildReport) => (report = message));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (report && code === 0) resolve(report);
      else reject(new Error(`the memory child exited with code ${code}, signal ${signal}, without a report`));
    });
  });
}
