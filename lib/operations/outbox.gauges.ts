import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { BatchObservableCallback, Observable } from '@opentelemetry/api';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { DeliveryEngine } from '../deliver/delivery.engine';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookTelemetry } from '../pipeline/webhook-telemetry';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../stores/subscription-store.interface';

/**
 * The gauges, read when the application's metric reader collects — nothing runs in between:
 * `webhooks.outbox.due` and `webhooks.outbox.oldest_due_age` (one aggregate over the due index),
 * `webhooks.inflight` (this instance's tries in flight) and `webhooks.subscriptions` by `state` (one
 * aggregate over the subscriptions). The outbox and subscription figures are the store's, the same from
 * every instance: aggregate them with `max`, not `sum`.
 */
@Injectable()
export class OutboxGauges implements OnModuleInit, OnModuleDestroy {
  private registered?: { callback: BatchObservableCallback; observables: Observable[] };

  constructor(
    private readonly telemetry: WebhookTelemetry,
    private readonly engine: DeliveryEngine,
    @Inject(WEBHOOK_ATTEMPT_STORE) private readonly attempts: WebhookAttemptStore,
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly subscriptions: WebhookSubscriptionStore,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onModuleInit(): void {
    const meter = this.telemetry.meter;
    if (!meter) return;
    const due = meter.createObservableGauge('webhooks.outbox.due', {
      description: 'Attempts whose time has come that no instance holds yet.',
      unit: '{attempt}',
    });
    const oldest = meter.createObservableGauge('webhooks.outbox.oldest_due_age', {
      description: 'How long the oldest due attempt has been waiting (0 when none is due).',
      unit: 's',
    });
    const inflight = meter.createObservableGauge('webhooks.inflight', {
      description: "HTTP tries in flight on this instance's delivery engine.",
      unit: '{try}',
    });
    const subscriptions = meter.createObservableGauge('webhooks.subscriptions', {
      description: 'Subscriptions by state: active, inactive, paused.',
      unit: '{subscription}',
    });
    const callback: BatchObservableCallback = async (result) => {
      result.observe(inflight, this.engine.inFlightTries);
      const now = this.options.clock.now();
      // A store that does not answer leaves its gauges out of this collection (the health check says why).
      const [backlog, states] = await Promise.all([
        this.attempts.dueBacklog(now).catch(() => null),
        this.subscriptions.countStates(now).catch(() => null),
      ]);
      if (backlog) {
        result.observe(due, backlog.due);
        result.observe(oldest, backlog.oldestDueAt ? Math.max(0, now - backlog.oldestDueAt.getTime()) / 1000 : 0);
      }
      if (states) {
        for (const state of ['active', 'inactive', 'paused'] as const)
          result.observe(subscriptions, states[state], { state });
      }
    };
    const observables = [due, oldest, inflight, subscriptions];
    meter.addBatchObservableCallback(callback, observables);
    this.registered = { callback, observables };
  }

  onModuleDestroy(): void {
    if (this.registered)
      this.telemetry.meter?.removeBatchObservableCallback(this.registered.callback, this.registered.observables);
  }
}
