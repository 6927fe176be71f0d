/**
 * `npm run bench -- --profile <workload>`: runs one workload of the delivery scenarios in this process
 * (forked on plain `node` by run.ts from the compiled copy, with its own receiver child) and records a V8
 * CPU profile of the measured part only — setup, seeding and warm-up are left out. Writes the
 * `.cpuprofile` (open it in Chrome DevTools or speedscope) and prints a summary: self time by area and
 * function, and this project's functions by inclusive time, positions mapped back to the TypeScript.
 */
import 'reflect-metadata';
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpModule } from '@nestjs/axios';
import { BENCH_CONCURRENCY } from './baselines/baseline.runner';
import { FanoutBench } from './scenarios/fanout.scenario';
import { openLoopLatency } from './scenarios/latency.scenario';
import { runClosedLoop } from './support/closed-loop';
import { formatProfileSummary, summarizeProfile, type CpuProfile } from './support/cpu-profile';
import { type DispatchMode, type Fleet, MemoryFleet, PersistentFleet } from './support/fleets';
import { PROJECT_ROOT } from './support/node-child';
import { formatProbeReport, Probe } from './support/probe';
import { Receiver } from './support/receiver.client';

/** A workload: set up and `warm` (not profiled), then `measure` (profiled), then `close`. */
interface Workload {
  /** The delivery engine, for the probe to sample. */
  engine: object;
  warm(): Promise<void>;
  /** Runs for about `durationMs` (the fan-out runs once) and says what it did. */
  measure(durationMs: number): Promise<{ outcome: string; events: number }>;
  close(): Promise<void>;
}

type WorkloadFactory = (receiver: Receiver) => Promise<Workload>;

/** 64 events in flight, each raised and waited for until recorded (scenarios 2, 3 and 7). */
function closedLoop(fleet: Fleet, mode: DispatchMode): Workload {
  let next = 0;
  const task = fleet.task(mode);
  const run = (durationMs: number) =>
    runClosedLoop({ concurrency: BENCH_CONCURRENCY, durationMs, task: () => task(next++) });
  return {
    engine: fleet.app.engine,
    warm: async () => void (await run(1_000)),
    async measure(durationMs) {
      const result = await run(durationMs);
      return {
        outcome: `${result.completed} events in ${(result.elapsedMs / 1000).toFixed(1)} s: ${Math.round(result.perSecond)} events/s, p50 ${result.latencyMs.p50.toFixed(1)} ms`,
        events: result.completed,
      };
    },
    close: () => fleet.close(),
  };
}

const origin = (receiver: Receiver) => receiver.url('');

/** The workloads, by the name `--profile` takes. */
export const PROFILE_WORKLOADS: Record<string, WorkloadFactory> = {
  memory: async (receiver) =>
    closedLoop(await MemoryFleet.start({ origin: origin(receiver), path: 'memory' }), 'direct'),
  axios: async (receiver) =>
    closedLoop(
      await MemoryFleet.start({
        origin: origin(receiver),
        path: 'axios',
        imports: [HttpModule],
        webhooks: { delivery: { transport: 'axios' } },
      }),
      'direct',
    ),
  ...Object.fromEntries(
    (['sqlite', 'postgres'] as const).flatMap((kind) => [
      ...(['transaction', 'direct'] as const).map((mode) => [
        `persistent-${kind}-${mode}`,
        async (receiver: Receiver) =>
          closedLoop(await PersistentFleet.start(kind, { origin: origin(receiver), path: 'persistent' }), mode),
      ]),
      [
        `latency-${kind}`,
        async (receiver: Receiver): Promise<Workload> => {
          const fleet = await PersistentFleet.start(kind, { origin: origin(receiver), path: 'latency' });
          return {
            engine: fleet.app.engine,
            warm: async () =>
              void (await openLoopLatency(fleet, receiver, { rate: 500, durationMs: 1_000, warmupMs: 0 })),
            async measure(durationMs) {
              const r = await openLoopLatency(fleet, receiver, { rate: 500, durationMs, warmupMs: 0 });
              return {
                outcome: `commit → receiver p50 ${r.fromCommit.p50.toFixed(2)} / p99 ${r.fromCommit.p99.toFixed(2)} ms over ${r.events} events`,
                events: r.events,
              };
            },
            close: () => fleet.close(),
          };
        },
      ],
      [
        `fanout-${kind}`,
        async (receiver: Receiver): Promise<Workload> => {
          const bench = await FanoutBench.start(kind, receiver);
          return {
            engine: bench.app.engine,
            warm: () => bench.warmUp(),
            async measure() {
              const r = await bench.fanOut();
              return {
                outcome: `${r.attempts} attempts: commit ${r.commitMs.toFixed(0)} ms, all recorded after ${(r.totalMs / 1000).toFixed(2)} s`,
                events: 1,
              };
            },
            close: () => bench.close(),
          };
        },
      ],
    ]),
  ),
};

function inspector() {
  const session = new Session();
  session.connect();
  return <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
    );
}

async function main(): Promise<void> {
  const name = process.env.BENCH_PROFILE_WORKLOAD ?? '';
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
  const factory = PROFILE_WORKLOADS[name];
  if (!factory) throw new Error(`unknown workload "${name}"; one of: ${Object.keys(PROFILE_WORKLOADS).join(', ')}`);
  const receiver = await Receiver.start();
  try {
    console.error(`profile ${name}: setting up (not profiled)...`);
    const workload = await factory(receiver);
    try {
      await workload.warm();
      const probe = new Probe().watch(workload.engine);
      const post = inspector();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      console.error(`profile ${name}: measuring ${seconds} s...`);
      probe.start();
      const { outcome, events } = await workload.measure(seconds * 1000);
      const database = probe.stop();
      const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
      probe.uninstall();
      // Next to the run results (and git-ignored like them): profile-<workload>-<time>.cpuprofile / .summary.json.
      const folder = join(PROJECT_ROOT, 'bench', 'results');
      mkdirSync(folder, { recursive: true });
      const stem = join(folder, `profile-${name}-${new Date().toISOString().replace(/:/g, '-')}`);
      const file = `${stem}.cpuprofile`;
      writeFileSync(file, JSON.stringify(profile));
      const summary = summarizeProfile(profile, PROJECT_ROOT);
      writeFileSync(`${stem}.summary.json`, JSON.stringify({ workload: name, outcome, summary, database }, null, 2));
      console.log(
        `${formatProfileSummary(`${name} (${outcome})`, summary)}\n${formatProbeReport(database, events)}\nprofile: ${file.slice(PROJECT_ROOT.length + 1)}`,
      );
    } finally {
      await workload.close();
    }
  } finally {
    await receiver.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
