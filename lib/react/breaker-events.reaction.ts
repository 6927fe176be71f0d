import { Inject, Injectable } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { WEBHOOKS_EVENT_EMITTER } from '../core/webhooks.constants';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';

/**
 * Emits `webhooks.breaker.opened` and `.closed` when a target host's circuit breaker changes on this
 * instance's count (each change is reported once, by the instance whose result caused it).
 */
@Injectable()
export class BreakerEventsReaction {
  constructor(@Inject(WEBHOOKS_EVENT_EMITTER) emitter: EventEmitter2, outcomes: WebhookOutcomeBus) {
    outcomes.on('breaker', (transition) => {
      const { state, ...event } = transition;
      emitter.emit(state === 'opened' ? WebhookEvents.breakerOpened : WebhookEvents.breakerClosed, event);
    });
  }
}
