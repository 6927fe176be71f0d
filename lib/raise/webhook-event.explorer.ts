import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { WebhookEventMetadata } from '../core/metadata/webhook-event.metadata';
import { resourceOf } from '../core/metadata/webhook-resource.metadata';
import { WEBHOOK_EVENT_METADATA } from '../core/webhooks-metadata.constants';
import { type DiscoveredWebhookEvent, WebhookEventCatalog } from '../match/catalog/webhook-event.catalog';
import { bindWebhookRaiser, setDefaultWebhookRaiser, type WebhookRaiser } from './webhook-event.binding';
import { WebhookDispatcher } from './webhook-dispatcher.service';

/**
 * Finds the provider methods decorated with `@WebhookEvent` (the decorator wrapped them already and stored
 * their metadata): ties their instances to this application's dispatcher, and registers their events with
 * the event-type catalog.
 */
@Injectable()
export class WebhookEventExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly raise: WebhookRaiser;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly catalog: WebhookEventCatalog,
    dispatcher: WebhookDispatcher,
  ) {
    this.raise = async (events, result, args) => {
      for (const { name, options } of events) {
        if (options.when && !options.when(result, args)) continue;
        const payload = options.payload ? options.payload(result, args) : result;
        await dispatcher.dispatch(name, payload, {
          scope: options.scope?.(result, args),
          resource: options.resource ?? resourceOf(payload)?.name,
          orderingKey:
            typeof options.orderingKey === 'function' ? options.orderingKey(result, args) : options.orderingKey,
        });
      }
    };
  }

  onModuleInit(): void {
    setDefaultWebhookRaiser(this.raise);
    const found: DiscoveredWebhookEvent[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      let decorated = false;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const metadata = Reflect.getMetadata(WEBHOOK_EVENT_METADATA, prototype[method] as object) as
          WebhookEventMetadata[] | undefined;
        if (!metadata?.length) continue;
        decorated = true;
        found.push(...metadata.map((m) => ({ ...m, source: `${instance.constructor.name}.${method}` })));
      }
      if (decorated) bindWebhookRaiser(instance, this.raise);
    }
    this.catalog.addDiscovered(found);
  }

  onModuleDestroy(): void {
    setDefaultWebhookRaiser(undefined);
  }
}
