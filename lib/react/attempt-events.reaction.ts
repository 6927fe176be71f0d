import { Inject, Injectable } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookEvents } from '../core/events/webhook-events.constants';
import { WEBHOOKS_EVENT_EMITTER } from '../core/webhooks.constants';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';

/**
 * Emits `webhooks.attempt.succeeded`, `.failed` and `.retrying` once a try's result is committed (never for
 * an attempt that was only put back to wait for its subscription's pause).
 */
@Injectable()
export class AttemptEventsReaction {
  constructor(@Inject(WEBHOOKS_EVENT_EMITTER) emitter: EventEmitter2, outcomes: WebhookOutcomeBus) {
    outcomes.on('recorded', ({ tries }) => {
      for (const { attempt, subscription, deferred } of tries) {
        if (deferred) continue;
        const name =
          attempt.status === 'successful'
            ? WebhookEvents.attemptSucceeded
            : attempt.status === 'failed'
              ? WebhookEvents.attemptFailed
              : WebhookEvents.attemptRetrying;
        emitter.emit(name, { attempt, subscription });
      }
    });
  }
}
