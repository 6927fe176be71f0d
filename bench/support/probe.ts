import { AttemptRecorder } from '../../lib/record/attempt.recorder';
import { SqliteStatements } from '../../lib/stores/typeorm/sqlite.adapter';

interface Tally {
  count: number;
  ms: number;
}

/** What the probe saw between {@link Probe.start} and {@link Probe.stop}. */
export interface ProbeReport {
  wallMs: number;
  /** SQL statements by shape (tables unquoted, parameter lists collapsed). */
  statements: Array<{ shape: string; count: number; ms: number }>;
  /** The attempt recorder's result-writing transactions. */
  recorder: { batches: number; results: number; ms: number; maxResults: number };
  /** The engine sampled every 5 ms: tries in flight, and attempts queued behind them. */
  engine: { samples: number; meanInFlight: number; full: number; meanQueued: number; maxQueued: number } | null;
}

/** The engine's private state the probe samples. */
interface EngineState {
  inFlight: number;
  queue: unknown[];
  head: number;
  options: { delivery: { concurrency: number } };
}

/**
 * Counts what the module asks of the database while a workload runs — every SQL statement by shape with
 * the time until its result came back, and the attempt recorder's batches — by wrapping the drivers'
 * query functions and `AttemptRecorder.write` (diagnostics only: nothing of `lib/` changes).
 */
export class Probe {
  private statements = new Map<string, Tally>();
  private recorder = { batches: 0, results: 0, ms: 0, maxResults: 0 };
  private startedAt = 0;
  private stoppedAt = 0;
  private active = false;
  private readonly restore: Array<() => void> = [];
  private engine?: EngineState;
  private sampler?: NodeJS.Timeout;
  private samples = { count: 0, inFlight: 0, full: 0, queued: 0, maxQueued: 0 };

  constructor() {
    const tally = (sql: string, ms: number) => {
      if (!this.active) return;
      const key = shape(sql);
      const entry = this.statements.get(key);
      if (entry) {
        entry.count++;
        entry.ms += ms;
      } else this.statements.set(key, { count: 1, ms });
    };
    // PostgreSQL (and every TypeORM statement, BEGIN/COMMIT included) goes through the query runner.
    for (const path of [
      'typeorm/driver/postgres/PostgresQueryRunner',
      'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner',
    ]) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- TypeORM's driver classes by file, patched in place
      const exported = require(path) as Record<
        string,
        { prototype: { query(sql: string, ...rest: unknown[]): Promise<unknown> } }
      >;
      const runner = Object.values(exported)[0];
      const original = runner.prototype.query;
      runner.prototype.query = async function (this: unknown, sql: string, ...rest: unknown[]) {
        const began = performance.now();
        try {
          return await original.call(this, sql, ...rest);
        } finally {
          tally(sql, performance.now() - began);
        }
      };
      this.restore.push(() => (runner.prototype.query = original));
    }
    // The module's own SQLite statements run on the driver directly, synchronously.
    const statements = SqliteStatements.prototype;
    const exec = statements.exec;
    statements.exec = function (this: SqliteStatements, s) {
      const began = performance.now();
      try {
        return exec.call(this, s);
      } finally {
        tally(s.sql, performance.now() - began);
      }
    };
    this.restore.push(() => (statements.exec = exec));
    const recorderProto = AttemptRecorder.prototype as unknown as { write(records: unknown[]): Promise<void> };
    const write = recorderProto.write;
    const recorder = this.recorder;
    const active = () => this.active;
    recorderProto.write = async function (this: unknown, records: unknown[]) {
      const began = performance.now();
      try {
        return await write.call(this, records);
      } finally {
        if (active()) {
          recorder.batches++;
          recorder.results += records.length;
          recorder.ms += performance.now() - began;
          recorder.maxResults = Math.max(recorder.maxResults, records.length);
        }
      }
    };
    this.restore.push(() => (recorderProto.write = write));
  }

  /** Samples this engine's queue while started. */
  watch(engine: object): this {
    this.engine = engine as unknown as EngineState;
    return this;
  }

  start(): void {
    this.samples = { count: 0, inFlight: 0, full: 0, queued: 0, maxQueued: 0 };
    if (this.engine) {
      const engine = this.engine;
      this.sampler = setInterval(() => {
        const queued = engine.queue.length - engine.head;
        this.samples.count++;
        this.samples.inFlight += engine.inFlight;
        if (engine.inFlight >= engine.options.delivery.concurrency) this.samples.full++;
        this.samples.queued += queued;
        this.samples.maxQueued = Math.max(this.samples.maxQueued, queued);
      }, 5);
    }
    this.statements = new Map();
    this.recorder.batches = this.recorder.results = this.recorder.ms = this.recorder.maxResults = 0;
    this.startedAt = performance.now();
    this.active = true;
  }

  stop(): ProbeReport {
    this.active = false;
    this.stoppedAt = performance.now();
    clearInterval(this.sampler);
    const { count, inFlight, full, queued, maxQueued } = this.samples;
    return {
      wallMs: this.stoppedAt - this.startedAt,
      statements: [...this.statements].map(([shape, t]) => ({ shape, ...t })).sort((a, b) => b.count - a.count),
      recorder: { ...this.recorder },
      engine: count
        ? { samples: count, meanInFlight: inFlight / count, full: full / count, meanQueued: queued / count, maxQueued }
        : null,
    };
  }

  /** Puts the original functions back. */
  uninstall(): void {
    for (const undo of this.restore.splice(0)) undo();
  }
}

/** The report as text; `events` scales the per-event counts. */
export function formatProbeReport(report: ProbeReport, events: number): string {
  const { recorder } = report;
  const lines = [
    `database work over ${(report.wallMs / 1000).toFixed(2)} s, ${events.toLocaleString('en-US')} events:`,
    `  recorder: ${recorder.batches} transactions, ${recorder.results} results (mean ${(recorder.results / Math.max(recorder.batches, 1)).toFixed(1)}, ` +
      `max ${recorder.maxResults}), mean ${(recorder.ms / Math.max(recorder.batches, 1)).toFixed(1)} ms each, busy ${((recorder.ms / report.wallMs) * 100).toFixed(0)}% of the time`,
    ...(report.engine
      ? [
          `  engine: ${report.engine.meanInFlight.toFixed(1)} tries in flight on average (all slots taken ${(report.engine.full * 100).toFixed(0)}% ` +
            `of the time), ${report.engine.meanQueued.toFixed(1)} attempts queued behind them on average, ${report.engine.maxQueued} at most`,
        ]
      : []),
    `  statements (count per event, mean ms until the result came back):`,
    ...report.statements
      .slice(0, 20)
      .map(
        (s) =>
          `  ${(s.count / Math.max(events, 1)).toFixed(2).padStart(7)}/event ${(s.ms / s.count).toFixed(3).padStart(8)} ms  ${s.shape}`,
      ),
  ];
  return lines.join('\n');
}

/** `UPDATE "wh_bench_x"."webhook_delivery_attempts" SET "status" = $1, …` → `UPDATE webhook_delivery_attempts SET status = ?, …` */
function shape(sql: string): string {
  return sql
    .replace(/"[^"]*"\."([^"]*)"/g, '$1')
    .replace(/["`]/g, '')
    .replace(/\$\d+/g, '?')
    .replace(/\?(, \?)+/g, '?…')
    .replace(/\(\?…\)(, \(\?…\))+/g, '(?…)…')
    .replace(/\s+/g, ' ')
    .slice(0, 150);
}
