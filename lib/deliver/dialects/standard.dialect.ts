import { WebhookDialect } from './webhook-dialect.decorator';
import { DefaultWebhookDialect } from './default.dialect';
import { STANDARD_DIALECT } from '../../core/dialect.constants';
import type { WebhookRenderContext } from '../../options/webhook-dialect.interface';

/** The body the `standard` dialect sends (the envelope Standard Webhooks recommends). */
export interface StandardWebhookEnvelope<T = unknown> {
  /** The event name (`employee.create`). */
  type: string;
  /** When the event was raised, ISO 8601 in UTC. */
  timestamp: string;
  /** The payload. */
  data: T;
}

/**
 * The `standard` dialect: the default one with the payload wrapped in the Standard Webhooks envelope
 * `{ "type": "employee.create", "timestamp": "2025-01-01T00:00:00.000Z", "data": { ... } }`.
 */
@WebhookDialect(STANDARD_DIALECT)
export class StandardWebhookDialect extends DefaultWebhookDialect {
  /** Wraps the payload in `{ type, timestamp, data }`. */
  override envelope(payload: unknown, context: WebhookRenderContext): StandardWebhookEnvelope {
    return { type: context.event, timestamp: context.timestamp.toISOString(), data: payload };
  }
}
