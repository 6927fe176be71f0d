import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** The machine and runtime a run measured on. */
export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  /** `os.availableParallelism()`: the CPUs this process may use. */
  availableParallelism: number;
  node: string;
  v8: string;
  platform: string;
  totalMemoryMB: number;
  /** 1/5/15-minute load averages at the start and the end: other work on the machine skews the numbers. */
  loadAverage: { start: number[]; end?: number[] };
  /** Whether `global.gc` was there in the measuring process. */
  gcExposed: boolean;
  /** Database versions, by kind, for the databases the run used. */
  databases: Record<string, string>;
}

/** Reads the machine and runtime description. */
export function describeMachine(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    availableParallelism: availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${release()} ${arch()}`,
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    loadAverage: { start: loadavg().map(round2) },
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    databases: {},
  };
}

/** Loads the end-of-run load average into `machine`. */
export function finishMachine(machine: MachineInfo): void {
  machine.loadAverage.end = loadavg().map(round2);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
