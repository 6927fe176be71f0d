import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { WebhookEventMetadata } from './webhook-event.decorator';
import { resourceOf } from './webhook-resource.decorator';
import { WEBHOOK_EVENT_METADATA } from '../core/webhooks-metadata.constants';
import { bindWebhookRaiser, setDefaultWebhookRaiser, type WebhookRaiser } from './webhook-event.binding';
import { WebhookDispatcher } from './webhook-dispatcher.service';

/** An event a provider method raises, for the event-type catalog. */
export interface DiscoveredWebhookEvent extends WebhookEventMetadata {
  /** `ClassName.method`. */
  source: string;
}

/**
 * Finds the provider methods decorated with `@WebhookEvent`, for the event-type catalog, and ties their
 * instances to this application's dispatcher (the decorator wrapped the methods already).
 */
@Injectable()
export class WebhookEventExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly found: DiscoveredWebhookEvent[] = [];
  private readonly raise: WebhookRaiser;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    dispatcher: WebhookDispatcher,
  ) {
    this.raise = async (events, result, args) => {
      for (const { name, options } of events) {
        if (options.when && !options.when(result, args)) continue;
        const payload = options.payload ? options.payload(result, args) : result;
        await dispatcher.dispatch(name, payload, {
          scope: options.scope?.(result, args),
          resource: options.resource ?? resourceOf(payload)?.name,
        });
      }
    };
  }

  /** Every event found on provider methods. */
  get events(): readonly DiscoveredWebhookEvent[] {
    return this.found;
  }

  onModuleInit(): void {
    setDefaultWebhookRaiser(this.raise);
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      let decorated = false;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const metadata: WebhookEventMetadata[] | undefined = Reflect.getMetadata(WEBHOOK_EVENT_METADATA, prototype[method]);
        if (!metadata?.length) continue;
        decorated = true;
        this.found.push(...metadata.map((m) => ({ ...m, source: `${instance.constructor.name}.${method}` })));
      }
      if (decorated) bindWebhookRaiser(instance, this.raise);
    }
  }

  onModuleDestroy(): void {
    setDefaultWebhookRaiser(undefined);
  }
}
