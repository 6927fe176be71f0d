import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_DIALECT, STANDARD_DIALECT } from '../core/dialect.constants';
import { assertPayloadSize } from '../core/security/payload-size.limit';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { DialectRegistry } from '../deliver/dialects/dialect.registry';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { WebhookDialect } from '../options/webhook-dialect.interface';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { PayloadShapers } from './payloads/payload-shapers.service';

/** The event a body is rendered for. */
export interface RenderedEvent {
  event: string;
  payload: unknown;
  messageId: string;
  scope: string;
  /** When the event was raised (epoch ms). */
  now: number;
  resource: string | undefined;
}

/** What one subscription's attempt sends. */
export interface RenderedRequest {
  method: string;
  body: string;
}

/**
 * Renders the request bodies of one event, stored with its attempts: shaped once per dialect (shapers
 * depend on the dialect's name only), and serialized once per built-in dialect; custom dialects may look at
 * the subscription, so theirs are rendered for each. Payload errors reach the caller: they are programming
 * errors, and nothing has been written yet.
 */
@Injectable()
export class AttemptRenderer {
  constructor(
    private readonly dialects: DialectRegistry,
    private readonly shapers: PayloadShapers,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /** The dialect a subscription names, if it is registered. */
  dialectOf(subscription: WebhookSubscription): WebhookDialect | undefined {
    return this.dialects.get(subscription.dialect);
  }

  /** A renderer for the subscriptions of one event. */
  forEvent(raised: RenderedEvent): (subscription: WebhookSubscription, dialect: WebhookDialect) => RenderedRequest {
    const { event, payload, messageId, scope, resource } = raised;
    const timestamp = new Date(raised.now);
    const shaped = new Map<string, unknown>();
    const rendered = new Map<string, RenderedRequest>();
    return (subscription, dialect) => {
      const cached = rendered.get(dialect.name);
      if (cached) return cached;
      if (!shaped.has(dialect.name))
        shaped.set(dialect.name, this.shapers.shape(payload, { event, dialect: dialect.name, resource }));
      const { body } = this.dialects.renderBody(dialect, shaped.get(dialect.name), {
        event,
        messageId,
        scope,
        timestamp,
        subscription,
        resource,
      });
      assertPayloadSize(body, this.options.maxPayloadBytes, event, dialect.name);
      const result = { method: (dialect.method ?? 'POST').toUpperCase(), body };
      if (dialect.name === DEFAULT_DIALECT || dialect.name === STANDARD_DIALECT) rendered.set(dialect.name, result);
      return result;
    };
  }
}
