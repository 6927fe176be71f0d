import type { ClosedLoopResult } from './closed-loop';
import type { MachineInfo } from './machine';
import type { Receiver } from './receiver.client';

/**
 * The verdict of one row: `pass`/`FAIL` against a target; `n/a` for what cannot run (yet); `skipped`
 * (a database is missing); `error` (the scenario crashed); `''` for information without a target.
 */
export type Verdict = 'pass' | 'FAIL' | 'n/a' | 'skipped' | 'error' | '';

/** One line of the results table (and of `results/*.json`). */
export interface ResultRow {
  scenario: string;
  metric: string;
  /** A measurement, or a sentence when there is none (never a made-up number). */
  value: number | string | null;
  /** The unit of `value` and `baseline` (`ms`, `req/s`, `events/s`, `MB`). */
  unit?: string;
  /** What the value is compared with, measured in the same run. */
  baseline?: number | null;
  /** The unit of `baseline` when it differs from `unit`. */
  baselineUnit?: string;
  /** Which measurement `baseline` is. */
  baselineLabel?: string;
  /** `value / baseline`. */
  ratio?: number | null;
  /** The target, as a sentence (`p99 ≤ 0.5 ms`, `≥ 0.70× raw`). */
  target?: string;
  verdict: Verdict;
  /** Context: sample counts, other percentiles, errors, reasons. */
  note?: string;
}

/** The baselines, each run at most once per run and shared by the scenarios that compare with it. */
export type BaselineName = 'raw' | 'node-http' | 'naive-sqlite' | 'naive-postgres';

/** A baseline's measurement, with the receiver's own count as a cross-check. */
export interface BaselineResult extends ClosedLoopResult {
  /** Requests the receiver counted during the measured run (warm-up included). */
  receiverRequests: number;
  /** Connections the receiver accepted during the run (warm-up included). */
  receiverConnections: number;
  /** Attempt rows written (the naive baselines only). */
  attemptsRecorded?: number;
}

/** What a scenario gets to work with. */
export interface BenchContext {
  /** `--quick`: shorter runs, fewer samples. */
  readonly quick: boolean;
  readonly machine: MachineInfo;
  /** The receiver child process, started on first use. */
  receiver(): Promise<Receiver>;
  /** A baseline's result, measured on first use in this run. Throws `BenchSkip` if its database is missing. */
  baseline(name: BaselineName): Promise<BaselineResult>;
  /** Notes a database version in the machine record. */
  recordDatabase(kind: string, version: string): void;
  /** Progress output (stderr, so that the table stays clean on stdout). */
  log(message: string): void;
}

/** One benchmark scenario. */
export interface BenchScenario {
  /** The name `--only` selects it by. */
  name: string;
  /** What it measures, for the progress output and the README. */
  title: string;
  run(context: BenchContext): Promise<ResultRow[]>;
}

/** `pass` when `value <= limit`. */
export function atMost(value: number, limit: number): Verdict {
  return Number.isFinite(value) && value <= limit ? 'pass' : 'FAIL';
}

/** `pass` when `value >= limit`. */
export function atLeast(value: number, limit: number): Verdict {
  return Number.isFinite(value) && value >= limit ? 'pass' : 'FAIL';
}
