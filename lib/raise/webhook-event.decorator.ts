import { Logger } from '@nestjs/common';
import { assertEventName } from '../core/events/event-pattern.util';
import { WEBHOOK_EVENT_METADATA } from '../core/webhooks-metadata.constants';
import type { WebhookEventMetadata, WebhookEventOptions } from '../core/metadata/webhook-event.metadata';
import { webhookRaiserOf } from './webhook-event.binding';

const logger = new Logger('WebhookEvent');

/**
 * Raises a webhook event each time the decorated provider method completes: its result (or
 * `options.payload(result, args)`) is dispatched under `name`. A method that throws raises nothing. Stack
 * several to raise several events.
 *
 * ```ts
 * @Transactional()                                   // outer: the event is written inside its transaction
 * @WebhookEvent('contact.create', { scope: (contact) => `/orgs/${contact.orgId}` })
 * async create(input: CreateContact): Promise<Contact> { ... }
 * ```
 *
 * The method is wrapped where it is declared, so decorators written above it (a transaction decorator, say)
 * wrap the event too. For a method returning a promise, the outbox rows are written before that promise
 * resolves — inside the transaction the method runs in; a synchronous method raises its events right after
 * it returns.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a method decorator cannot see the method's types: `any` lets the callbacks read the result and arguments unannotated
export function WebhookEvent<TResult = any, TArgs extends any[] = any[]>(
  name: string | string[],
  options: WebhookEventOptions<TResult, TArgs> = {},
): MethodDecorator {
  const names = (Array.isArray(name) ? name : [name]).map((n, i) =>
    assertEventName(n, Array.isArray(name) ? `name[${i}]` : 'name'),
  );
  const events: WebhookEventMetadata[] = names.map((n) => ({ name: n, options: options as WebhookEventOptions }));
  return (_target, key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    const wrapped = function (this: object, ...args: unknown[]) {
      const result = original.apply(this, args);
      const raise = (value: unknown) => {
        const raiser = webhookRaiserOf(this);
        if (raiser) return raiser(events, value, args);
        logger.warn(
          `${String(key)} raised ${names.join(', ')} but WebhooksModule is not initialized in this application; nothing was sent.`,
        );
        return Promise.resolve();
      };
      if (result instanceof Promise)
        return (result as Promise<unknown>).then(async (value) => (await raise(value), value));
      raise(result).catch((error: Error) =>
        logger.error(`Raising ${names.join(', ')} after ${String(key)} failed: ${error.message}`),
      );
      return result;
    };
    // Other decorators and Nest read metadata from the method: keep the original's on the wrapper.
    for (const metadataKey of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    const existing =
      (Reflect.getMetadata(WEBHOOK_EVENT_METADATA, original) as WebhookEventMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(WEBHOOK_EVENT_METADATA, [...existing, ...events], wrapped);
    descriptor.value = wrapped;
    return descriptor;
  };
}
