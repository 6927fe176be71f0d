import { Inject, Injectable, Logger } from '@nestjs/common';
import { failedTryLog, loggableTarget, moreFailedTriesLog } from '../core/messages/delivery.messages';
import { RETRY_CANCELLED_MESSAGE } from '../core/messages/status.messages';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';

/** Failed tries logged one by one per window; beyond, they are counted and summed up in one line. */
const LINES_PER_WINDOW = 10;
const WINDOW_MS = 10_000;

/**
 * Logs a warning for every try that failed (and whether another follows), so that a subscription failing in
 * development is seen in the console — at most {@link LINES_PER_WINDOW} lines per ten seconds, the rest summed
 * up, so that an outage does not flood the log. Targets are logged without query string or credentials; the
 * message is the attempt's (a status line or a fixed sentence), never a header or a secret.
 */
@Injectable()
export class DeliveryFailuresLog {
  private readonly logger = new Logger('WebhookDeliveries');
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    outcomes: WebhookOutcomeBus,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {
    outcomes.on('recorded', ({ tries }) => {
      for (const { attempt, subscription, deferred } of tries) {
        // Not tried: put back for a pause, or a retry dropped because its subscription is inactive.
        if (deferred || attempt.status === 'successful' || attempt.message === RETRY_CANCELLED_MESSAGE) continue;
        const last = attempt.tries[attempt.tries.length - 1];
        if (!last || (last.statusCode >= 200 && last.statusCode < 300)) continue;
        this.log(() =>
          failedTryLog(
            attempt.event,
            loggableTarget(subscription.to),
            last.number,
            attempt.message ?? '',
            attempt.nextAttemptAt,
          ),
        );
      }
    });
  }

  private log(line: () => string): void {
    const now = this.options.clock.now();
    if (now - this.windowStart >= WINDOW_MS) {
      if (this.suppressed > 0) this.logger.warn(moreFailedTriesLog(this.suppressed, Math.round(WINDOW_MS / 1000)));
      this.windowStart = now;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < LINES_PER_WINDOW) {
      this.logged++;
      this.logger.warn(line());
    } else {
      this.suppressed++;
    }
  }
}
