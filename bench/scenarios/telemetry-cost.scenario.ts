import type { ChildProcess } from 'node:child_process';
import { compileForNode, forkCompiled } from '../support/node-child';
import type { ClosedLoopResult } from '../support/closed-loop';
import { atLeast, type BenchScenario, type ResultRow } from '../support/scenario';
import { alternate, formatRates, type SliceRunner, throughputPlan } from '../support/slices';
import type { TelemetryChildCommand, TelemetryChildConfig } from './telemetry.child';
import { join } from 'node:path';

/** At most 10% fewer events/s with the SDK recording metrics and traces than without an SDK. */
const SDK_TARGET = 0.9;
/** At most 2% fewer events/s with `@opentelemetry/api` absent than with it present and no SDK. */
const ABSENT_TARGET = 0.98;

const MODES = ['nosdk', 'sdk', 'absent'] as const;
const FLEETS = { memory: 'in memory', sqlite: 'persistent, SQLite' } as const;

/** A fleet in a child process of its own, as a slice contender. */
class FleetChild implements SliceRunner {
  private waiting?: (message: any) => void;
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message) => this.waiting?.(message));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static async start(config: TelemetryChildConfig): Promise<FleetChild> {
    // Without the API: every @opentelemetry/* package fails to resolve in that process.
    const execArgv =
      config.mode === 'absent' ? ['-r', join(compileForNode(), 'test/support/without-opentelemetry.js')] : [];
    const child = forkCompiled('bench/scenarios/telemetry.child.ts', {
      execArgv,
      env: { BENCH_TELEMETRY_CHILD: JSON.stringify(config) },
    });
    const runner = new FleetChild(config.mode, child);
    await runner.next('ready');
    return runner;
  }

  async run(durationMs: number): Promise<ClosedLoopResult> {
    return (await this.ask({ op: 'run', durationMs }, 'slice')).result;
  }

  async verify(receiverCount: number, receiverDuplicates: number): Promise<{ ok: boolean; summary: string }> {
    return (await this.ask({ op: 'verify', receiverCount, receiverDuplicates }, 'verified')).check;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) this.child.send({ op: 'close' } satisfies TelemetryChildCommand);
    await this.exited;
  }

  private ask(command: TelemetryChildCommand, reply: string): Promise<any> {
    const answer = this.next(reply);
    this.child.send(command);
    return answer;
  }

  private next(op: string): Promise<any> {
    return Promise.race([
      new Promise((resolve) => {
        this.waiting = (message) => {
          if (message?.op !== op) return;
          this.waiting = undefined;
          resolve(message);
        };
      }),
      this.exited.then((code) => {
        throw new Error(`telemetry child ${this.name} exited (code ${code}) before "${op}"`);
      }),
    ]);
  }
}

/**
 * The cost of observability: events/s delivered (in memory, and persistent on SQLite with every attempt
 * recorded) by three processes alike but for OpenTelemetry — the SDK recording metrics and traces
 * (a span per dispatch and per try, every counter and histogram, gauges read every second), no SDK (the
 * API's no-ops), and `@opentelemetry/api` absent — in alternating slices. Each process has its fleet's
 * database and its receiver path; the same checks as the throughput scenarios.
 */
export const telemetryCostScenario: BenchScenario = {
  name: 'telemetry-cost',
  title: 'Observability cost: throughput with the OpenTelemetry SDK, without, and without the API',
  async run(context) {
    const rows: ResultRow[] = [];
    const receiver = await context.receiver();
    const plan = throughputPlan(context.quick);
    for (const fleet of Object.keys(FLEETS) as Array<keyof typeof FLEETS>) {
      await receiver.reset();
      context.log(`  ${FLEETS[fleet]}: ${plan.rounds} rounds of ${plan.sliceMs} ms slices (${MODES.join(', ')})`);
      const children: FleetChild[] = [];
      try {
        for (const mode of MODES) {
          children.push(
            await FleetChild.start({ mode, fleet, origin: receiver.url(''), path: `otel-${fleet}-${mode}` }),
          );
        }
        const results = await alternate(children, plan);
        const stats = await receiver.stats();
        const checks = await Promise.all(
          children.map((child) => child.verify(stats.byPath[`otel-${fleet}-${child.name}`] ?? 0, stats.duplicates)),
        );
        const ok = checks.every((check) => check.ok);
        const [nosdk, sdk, absent] = MODES.map((mode) => results.get(mode)!);
        const note = (label: string, r: typeof sdk) =>
          `${label} ${formatRates(r.sliceRates)} events/s, p50 ${r.p50Ms.toFixed(2)} / p99 ${r.p99Ms.toFixed(2)} ms`;
        const base = note('no SDK', nosdk);
        rows.push(
          {
            scenario: 'telemetry-cost',
            metric: `events/s with the SDK (metrics + traces), ${FLEETS[fleet]}`,
            value: sdk.perSecond,
            unit: 'events/s',
            baseline: nosdk.perSecond,
            baselineUnit: 'events/s',
            baselineLabel: 'no SDK, same slices',
            ratio: sdk.perSecond / nosdk.perSecond,
            target: `≥ ${SDK_TARGET.toFixed(2)}× no SDK`,
            verdict: ok ? atLeast(sdk.perSecond / nosdk.perSecond, SDK_TARGET) : 'FAIL',
            note: `${note('SDK', sdk)}; ${base}; ${checks.map((c) => c.summary).join(' | ')}`,
          },
          {
            scenario: 'telemetry-cost',
            metric: `events/s, @opentelemetry/api absent, ${FLEETS[fleet]}`,
            value: absent.perSecond,
            unit: 'events/s',
            baseline: nosdk.perSecond,
            baselineUnit: 'events/s',
            baselineLabel: 'no SDK, same slices',
            ratio: absent.perSecond / nosdk.perSecond,
            target: `≥ ${ABSENT_TARGET.toFixed(2)}× no SDK`,
            verdict: ok ? atLeast(absent.perSecond / nosdk.perSecond, ABSENT_TARGET) : 'FAIL',
            note: `${note('absent', absent)}; ${base}`,
          },
        );
      } finally {
        await Promise.all(children.map((child) => child.close()));
      }
    }
    return rows;
  },
};
