import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { isEventName, patternMatches } from '../core/events/event-pattern.util';
import { WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookDispatcher } from './webhook-dispatcher.service';

/**
 * Turns `@nestjs/event-emitter` events that match `forRoot({ eventEmitter: [...] })` into webhook events,
 * the first argument being the payload. The module's own `webhooks.*` events are never bridged.
 */
@Injectable()
export class EventEmitterBridge implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhooksEventEmitterBridge');

  constructor(
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onApplicationBootstrap(): void {
    const patterns = this.options.eventEmitter;
    if (patterns.length === 0) return;
    this.emitter.onAny((event: string | symbol | Array<string | symbol>, payload: unknown) => {
      const name = Array.isArray(event) ? event.join('.') : String(event);
      if (name.startsWith('webhooks.') || !isEventName(name) || !patterns.some((p) => patternMatches(p, name))) return;
      this.dispatcher.dispatch(name, payload).catch((error) => {
        this.logger.error(`Could not raise webhook event ${name} from the event emitter: ${(error as Error).message}`);
      });
    });
  }
}
