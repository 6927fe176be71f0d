import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { unknownDialectReason } from '../core/messages/authorization.messages';
import { newId, newLeaseToken } from '../core/util/ids.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { DeliveryEngine } from '../deliver/delivery.engine';
import type { DeliveryJob } from '../deliver/delivery-job.interface';
import { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';
import { WebhookTelemetry } from '../pipeline/webhook-telemetry';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';
import { AttemptRenderer } from './attempt.renderer';

const HOST = hostname();

/** An event to write to the outbox, matched and checked already. */
export interface OutboxEvent {
  event: string;
  payload: unknown;
  scope: string;
  messageId: string;
  /** The message id was given by the caller: a repeated (message, subscription) is written once. */
  explicitId: boolean;
  /** The caller's transaction. */
  manager?: EntityManager;
  resource?: string;
  /** Free text for people, stored with each attempt. */
  note?: string | null;
  /** The dispatch span's `traceparent`; left out, that of the span active now (if any) is stored. */
  traceContext?: string | null;
  /** The ordering key (see `DispatchOptions.orderingKey`); `null`/absent: unordered. */
  orderingKey?: string | null;
}

/**
 * Writes the attempts of an event to the outbox — in the caller's transaction — and hands them to the
 * delivery engine the moment it commits; nothing is handed over after a rollback.
 */
@Injectable()
export class WebhookOutbox {
  private readonly logger = new Logger('WebhookOutbox');

  constructor(
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly store: WebhookAttemptStore,
    private readonly renderer: AttemptRenderer,
    private readonly engine: DeliveryEngine,
    private readonly outcomes: WebhookOutcomeBus,
    private readonly telemetry: WebhookTelemetry,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /** Writes one attempt per subscription; resolves with those written, once the write is done. */
  async enqueue(
    raised: OutboxEvent,
    subscriptions: readonly WebhookSubscription[],
  ): Promise<Array<{ id: string; subscriptionId: string }>> {
    const now = this.options.clock.now();
    const { enabled, leaseDuration } = this.options.delivery;
    // Rows are written already leased to this instance, so that the engine can send them the moment the
    // transaction commits; with an explicit id a duplicate row may be skipped, so they are claimed after. So
    // are ordered ones: the claim holds one back while an earlier attempt of its key is pending.
    const ordered = raised.orderingKey !== undefined && raised.orderingKey !== null;
    const token = enabled && !raised.explicitId && !ordered ? newLeaseToken() : null;
    const leaseUntil = now + leaseDuration;
    const render = this.renderer.forEvent({ ...raised, now, resource: raised.resource });
    // The dispatch's span (see WebhookTelemetry.dispatchSpan), continued by every try of these attempts.
    const traceContext = raised.traceContext !== undefined ? raised.traceContext : this.telemetry.activeTraceparent();
    const shared = eventParts(raised, now, token, leaseUntil, traceContext);
    const jobs: Written[] = [];
    for (const subscription of subscriptions) {
      const dialect = this.renderer.dialectOf(subscription);
      if (!dialect) {
        this.logger.warn(
          `Subscription ${subscription.id} names the dialect "${subscription.dialect}", which is not registered; skipped.`,
        );
        this.outcomes.emit('preconditionFailed', {
          subscriptionId: subscription.id,
          reason: unknownDialectReason(subscription.dialect),
        });
        continue;
      }
      const { method, body } = render(subscription, dialect);
      const attempt = Object.assign(new WebhookDeliveryAttempt(), shared, {
        id: newId(),
        subscriptionId: subscription.id,
        request: { url: subscription.to, method, body },
      });
      // A subscription with limits has its attempts claimed after the commit too: the claim applies them.
      if (token !== null && (subscription.rateLimit !== null || subscription.maxInFlight !== null))
        Object.assign(attempt, { leaseOwner: null, leaseUntil: null, nextAttemptAt: new Date(now) });
      jobs.push({ attempt, subscription });
    }
    if (jobs.length === 0) return [];
    const written = await this.store.insert(
      jobs.map((job) => job.attempt),
      {
        manager: raised.manager,
        ignoreDuplicates: raised.explicitId,
        onCommit: (rows) => {
          this.outcomes.emit('dispatched', { event: raised.event, attempts: rows.length });
          this.handOver(rows.length === jobs.length ? jobs : keep(jobs, rows), token, leaseUntil);
        },
      },
    );
    const kept = written.length === jobs.length ? jobs : keep(jobs, written);
    return kept.map((job) => ({ id: job.attempt.id, subscriptionId: job.subscription.id }));
  }

  private handOver(written: readonly Written[], token: string | null, leaseUntil: number): void {
    if (!this.engine.enabled || written.length === 0) return;
    const unleased = token === null ? written : written.filter(({ attempt }) => attempt.leaseOwner !== token);
    if (unleased.length > 0) void this.engine.claimAndEnqueue(unleased.map(({ attempt }) => attempt.id));
    if (token === null || unleased.length === written.length) return;
    const leased = unleased.length === 0 ? written : written.filter(({ attempt }) => attempt.leaseOwner === token);
    const jobs: DeliveryJob[] = leased.map(({ attempt, subscription }) => ({
      attempt,
      subscription,
      leaseToken: token,
      leaseUntil,
      trigger: 'scheduled',
    }));
    this.engine.enqueueCommitted(jobs);
  }
}

/** An attempt written for a subscription. */
interface Written {
  attempt: WebhookDeliveryAttempt;
  subscription: WebhookSubscription;
}

/** The attempts that were written (a deleted subscription's are not). */
function keep(jobs: readonly Written[], written: readonly WebhookDeliveryAttempt[]): Written[] {
  const ids = new Set(written.map((row) => row.id));
  return jobs.filter((job) => ids.has(job.attempt.id));
}

/** What every attempt of one event has in common (see {@link eventParts}). */
type EventParts = Omit<WebhookDeliveryAttempt, 'id' | 'subscriptionId' | 'subscription' | 'request'>;

const NO_ENTRIES = Object.freeze([]) as unknown as never[];

/**
 * The fields every attempt of one event shares, built once per event: a fan-out to thousands of
 * subscriptions holds thousands of attempts until they are sent, and each would otherwise carry its own
 * copies of the same dates and origin. Attempts are never changed in place (the engine and the recorder
 * derive new ones), so sharing them is safe.
 */
function eventParts(
  raised: OutboxEvent,
  now: number,
  token: string | null,
  leaseUntil: number,
  traceContext: string | null,
): EventParts {
  return {
    messageId: raised.messageId,
    event: raised.event,
    scope: raised.scope,
    status: 'pending',
    message: null,
    response: null,
    internalInfo: Object.freeze({
      originated: Object.freeze({
        pid: process.pid,
        hostname: HOST,
        createdTime: new Date(now).toISOString(),
        note: raised.note ?? null,
      }),
      exceptionHistory: NO_ENTRIES,
    }),
    tries: NO_ENTRIES,
    attemptCount: 0,
    nextTrigger: null,
    // A held row is due again only when its lease runs out: pollers pass it by until then.
    nextAttemptAt: new Date(token ? leaseUntil : now),
    leaseOwner: token,
    leaseUntil: token ? leaseUntil : null,
    createdAt: new Date(now),
    resolvedAt: null,
    traceContext,
    orderingKey: raised.orderingKey ?? null,
  };
}
