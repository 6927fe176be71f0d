import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedOperationsOptions } from '../options/operations.options';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { type DueBacklog, WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';

/** What passed its threshold. */
export type BacklogExceeded = 'due' | 'oldestDueAge';

/** The payload of `webhooks.backlog.exceeded` and `webhooks.backlog.recovered`. */
export interface WebhookBacklogEvent {
  /** Due attempts no instance holds. */
  due: number;
  /** Age (ms) of the oldest of them; 0 when none is due. */
  oldestDueAgeMs: number;
  maxDue: number;
  maxOldestDueAgeMs: number;
  /** The thresholds passed (empty on recovery). */
  exceeded: BacklogExceeded[];
}

/** The backlog measured against the thresholds of `operations.backlog` (the health indicator's verdict too). */
export function judgeBacklog(
  backlog: DueBacklog,
  now: number,
  thresholds: ResolvedOperationsOptions['backlog'],
): WebhookBacklogEvent {
  const oldestDueAgeMs = backlog.oldestDueAt ? Math.max(0, now - backlog.oldestDueAt.getTime()) : 0;
  const exceeded: BacklogExceeded[] = [];
  if (backlog.due > thresholds.maxDue) exceeded.push('due');
  if (oldestDueAgeMs > thresholds.maxOldestDueAgeMs) exceeded.push('oldestDueAge');
  return {
    due: backlog.due,
    oldestDueAgeMs,
    maxDue: thresholds.maxDue,
    maxOldestDueAgeMs: thresholds.maxOldestDueAgeMs,
    exceeded,
  };
}

/**
 * Looks at the due backlog every `operations.backlog.checkInterval` and emits `webhooks.backlog.exceeded`
 * when it passes a threshold, `webhooks.backlog.recovered` when it is back within them — once per change.
 * Each instance looks (the backlog is the store's, so each sees the same): with several instances, listeners
 * hear it from each.
 */
@Injectable()
export class BacklogMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookBacklog');
  private timer?: NodeJS.Timeout;
  private exceeded = false;
  private checking = false;

  constructor(
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly store: WebhookAttemptStore,
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onApplicationBootstrap(): void {
    const { checkInterval } = this.options.operations.backlog;
    if (checkInterval === 0) return;
    this.timer = setInterval(() => void this.check(), checkInterval);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Looks once; resolves with what it saw (`null` when the store did not answer). */
  async check(): Promise<WebhookBacklogEvent | null> {
    if (this.checking) return null;
    this.checking = true;
    try {
      const now = this.options.clock.now();
      const verdict = judgeBacklog(await this.store.dueBacklog(now), now, this.options.operations.backlog);
      const exceeded = verdict.exceeded.length > 0;
      if (exceeded !== this.exceeded) {
        this.exceeded = exceeded;
        if (exceeded) this.logger.warn(backlogLog(verdict));
        this.emitter.emit(exceeded ? WebhookEvents.backlogExceeded : WebhookEvents.backlogRecovered, verdict);
      }
      return verdict;
    } catch (error) {
      this.logger.error(`Could not read the webhook backlog: ${(error as Error).message}`);
      return null;
    } finally {
      this.checking = false;
    }
  }
}

const backlogLog = (v: WebhookBacklogEvent) =>
  `The webhook backlog passed its threshold: ${v.due} attempts due (max ${v.maxDue}), the oldest due for ` +
  `${Math.round(v.oldestDueAgeMs / 1000)} s (max ${Math.round(v.maxOldestDueAgeMs / 1000)} s).`;
