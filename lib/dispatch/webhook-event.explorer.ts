import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { WebhookEventMetadata } from '../decorators/webhook-event.decorator';
import { resourceOf } from '../decorators/webhook-resource.decorator';
import { WEBHOOK_EVENT_METADATA } from '../webhooks-metadata.constants';
import { WebhookDispatcher } from './webhook-dispatcher.service';

/** An event a provider method raises, for the event-type catalog. */
export interface DiscoveredWebhookEvent extends WebhookEventMetadata {
  /** `ClassName.method`. */
  source: string;
}

/**
 * Finds the provider methods decorated with `@WebhookEvent` and wraps them so that each completed call
 * raises its events. Wrapping happens in `onModuleInit`, before the application's own init hooks run.
 */
@Injectable()
export class WebhookEventExplorer implements OnModuleInit {
  private readonly logger = new Logger('WebhookEventExplorer');
  private readonly found: DiscoveredWebhookEvent[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  /** Every event found on provider methods. */
  get events(): readonly DiscoveredWebhookEvent[] {
    return this.found;
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        const metadata: WebhookEventMetadata[] | undefined = handler && Reflect.getMetadata(WEBHOOK_EVENT_METADATA, handler);
        if (!metadata?.length) continue;
        const source = `${instance.constructor.name}.${method}`;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(`@WebhookEvent on ${source} is ignored: only singleton (non request-scoped) providers raise events.`);
          continue;
        }
        this.wrap(instance, method, handler, metadata);
        this.found.push(...metadata.map((m) => ({ ...m, source })));
      }
    }
  }

  private wrap(instance: Record<string, unknown>, method: string, original: (...args: unknown[]) => unknown, metadata: WebhookEventMetadata[]): void {
    const dispatcher = this.dispatcher;
    const logger = this.logger;
    const raise = async (result: unknown, args: unknown[]) => {
      for (const { name, options } of metadata) {
        if (options.when && !options.when(result, args)) continue;
        const payload = options.payload ? options.payload(result, args) : result;
        await dispatcher.dispatch(name, payload, {
          scope: options.scope?.(result, args),
          resource: options.resource ?? resourceOf(payload)?.name,
        });
      }
    };
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (result instanceof Promise) return result.then(async (value) => (await raise(value, args), value));
      raise(result, args).catch((error) => logger.error(`Raising the webhook events of ${method} failed: ${(error as Error).message}`));
      return result;
    };
    // Keep the original's metadata visible on the wrapper, for other decorators that read it.
    for (const key of Reflect.getMetadataKeys(original)) Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
    Object.defineProperty(wrapped, 'name', { value: original.name });
    instance[method] = wrapped;
  }
}
