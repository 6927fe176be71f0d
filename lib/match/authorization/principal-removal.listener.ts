import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookSubscriptions } from '../subscriptions/webhook-subscriptions.service';
import { WEBHOOKS_EVENT_EMITTER, WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import { removedPrincipalFailedLog, removedPrincipalUnreadableLog } from '../../core/messages/authorization.messages';

/**
 * Deletes a principal's subscriptions when the application announces its removal with one of the
 * `authorization.principalRemovedEvent` events of `@nestjs/event-emitter`, so that a deleted user's
 * subscriptions stop sending its data. The payload names the principal (`authorization.removedPrincipal`);
 * with a scope, only that scope's lineage is cleaned (see {@link ownerRemovalSelector}).
 *
 * The listener returns a promise resolving to the number deleted, so `emitter.emitAsync('user.deleted',
 * user)` waits for the deletion; it never rejects (a failure is logged), so a plain `emit` is safe too.
 */
@Injectable()
export class PrincipalRemovalListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookAuthorization');
  private readonly listeners: Array<[string, (payload: unknown) => Promise<number>]> = [];

  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    @Inject(WEBHOOKS_EVENT_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onApplicationBootstrap(): void {
    for (const event of this.options.authorization.principalRemovedEvents) {
      const listener = (payload: unknown) => this.removed(event, payload);
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- returned on purpose: emitAsync() awaits the deletion and gets the count; removed() never rejects
      this.emitter.on(event, listener);
      this.listeners.push([event, listener]);
    }
  }

  beforeApplicationShutdown(): void {
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the listener registered above
    for (const [event, listener] of this.listeners.splice(0)) this.emitter.off(event, listener);
  }

  /** Deletes the subscriptions of the principal `payload` names; resolves to how many. */
  async removed(event: string, payload: unknown): Promise<number> {
    let principal;
    try {
      principal = this.options.authorization.removedPrincipal(payload);
    } catch {
      principal = null;
    }
    if (!principal) {
      this.logger.error(removedPrincipalUnreadableLog(event, payload));
      return 0;
    }
    try {
      return await this.subscriptions.deleteForOwner(principal.id, { principalScope: principal.scope });
    } catch (error) {
      this.logger.error(removedPrincipalFailedLog(principal.id, (error as Error).message));
      return 0;
    }
  }
}
