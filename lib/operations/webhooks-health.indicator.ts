import { Inject, Injectable } from '@nestjs/common';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { DeliveryEngine } from '../deliver/delivery.engine';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { type BacklogExceeded, judgeBacklog } from '../react/backlog.monitor';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';

/** What {@link WebhooksHealthIndicator.isHealthy} reports under its key. */
export interface WebhooksHealthDetails {
  /** `down` when any of the problems below is there. */
  status: 'up' | 'down';
  /** The delivery engine of this instance: `disabled` with `delivery.enabled: false` (not a problem). */
  engine: 'running' | 'stopped' | 'disabled';
  /** Whether the store answered (`memory` for `storage: 'memory'`). */
  database: 'up' | 'down' | 'memory';
  /** Due attempts no instance holds (absent when the database did not answer). */
  due?: number;
  /** Age (ms) of the oldest due attempt. */
  oldestDueAgeMs?: number;
  /** The thresholds (`operations.backlog`). */
  maxDue: number;
  maxOldestDueAgeMs: number;
  /** What is wrong: `engine`, `database`, `due`, `oldestDueAge`. Empty when up. */
  problems: Array<'engine' | 'database' | BacklogExceeded>;
  /** The database's error, when it did not answer. */
  error?: string;
}

/**
 * The result of a check, shaped like `@nestjs/terminus`'s `HealthIndicatorResult` (what
 * `HealthIndicatorService.check(key).up(details)` returns): `HealthCheckService.check()` counts a `down`
 * result as an error and answers 503.
 */
export type WebhooksHealthIndicatorResult = Record<string, WebhooksHealthDetails>;

/** How long the database may take to answer before the check says it is down. */
const DATABASE_TIMEOUT = 5_000;

/**
 * A health indicator for `@nestjs/terminus`: down when this instance's delivery engine is not running, when
 * the database does not answer, or when the due backlog or its oldest attempt's age passes
 * `operations.backlog.maxDue` / `maxOldestDueAgeMs`; the details say which. It needs nothing from terminus
 * (an optional peer): inject it beside `HealthCheckService`.
 *
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.webhooks.isHealthy('webhooks')]);
 * }
 * ```
 */
@Injectable()
export class WebhooksHealthIndicator {
  constructor(
    private readonly engine: DeliveryEngine,
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly store: WebhookAttemptStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /**
   * Checks the engine, the database and the backlog.
   * @param key The key of the result. @default 'webhooks'
   */
  async isHealthy(key = 'webhooks'): Promise<WebhooksHealthIndicatorResult> {
    const { backlog } = this.options.operations;
    const engine = !this.engine.enabled ? 'disabled' : this.engine.isRunning ? 'running' : 'stopped';
    const details: WebhooksHealthDetails = {
      status: 'up',
      engine,
      database: this.store.durable ? 'up' : 'memory',
      maxDue: backlog.maxDue,
      maxOldestDueAgeMs: backlog.maxOldestDueAgeMs,
      problems: engine === 'stopped' ? ['engine'] : [],
    };
    const now = this.options.clock.now();
    try {
      const verdict = judgeBacklog(await withTimeout(this.store.dueBacklog(now), DATABASE_TIMEOUT), now, backlog);
      details.due = verdict.due;
      details.oldestDueAgeMs = verdict.oldestDueAgeMs;
      details.problems.push(...verdict.exceeded);
    } catch (error) {
      details.database = 'down';
      details.error = (error as Error)?.message ?? String(error);
      details.problems.push('database');
    }
    if (details.problems.length > 0) details.status = 'down';
    return { [key]: details };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
