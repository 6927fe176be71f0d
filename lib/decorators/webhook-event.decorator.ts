import { assertEventName } from '../registry/event-pattern';
import { WEBHOOK_EVENT_METADATA } from '../webhooks-metadata.constants';

/** Options of {@link WebhookEvent}. */
export interface WebhookEventOptions<TResult = any, TArgs extends any[] = any[]> {
  /**
   * Builds the payload from the method's result and arguments.
   * @default the result
   */
  payload?: (result: TResult, args: TArgs) => unknown;
  /**
   * The scope the event is raised in.
   * @default the ambient scope, else '/'
   */
  scope?: (result: TResult, args: TArgs) => string | undefined;
  /**
   * Raise the event only when this returns true.
   * @default always
   */
  when?: (result: TResult, args: TArgs) => boolean;
  /** The resource type of the payload, for payload shapers. @default from `@WebhookResource` on its class */
  resource?: string;
  /** What the event means, for the event-type catalog. @default undefined */
  description?: string;
  /** A JSON schema of the payload, for the event-type catalog. @default undefined */
  schema?: Record<string, unknown>;
}

/** What `@WebhookEvent` stores on a method. */
export interface WebhookEventMetadata {
  name: string;
  options: WebhookEventOptions;
}

/**
 * Raises a webhook event each time the decorated provider method completes: its result (or
 * `options.payload(result, args)`) is dispatched under `name`, in the caller's transaction when there is one.
 * A method that throws raises nothing. Stack several to raise several events.
 *
 * ```ts
 * @WebhookEvent('contact.create', { scope: (contact) => `/orgs/${contact.orgId}` })
 * async create(input: CreateContact): Promise<Contact> { ... }
 * ```
 *
 * For methods returning a promise, the outbox rows are written before the promise resolves (so inside the
 * transaction the method runs in). For synchronous methods the event is raised right after they return.
 */
export function WebhookEvent<TResult = any, TArgs extends any[] = any[]>(
  name: string | string[],
  options: WebhookEventOptions<TResult, TArgs> = {},
): MethodDecorator {
  const names = (Array.isArray(name) ? name : [name]).map((n, i) => assertEventName(n, Array.isArray(name) ? `name[${i}]` : 'name'));
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const existing: WebhookEventMetadata[] = Reflect.getMetadata(WEBHOOK_EVENT_METADATA, descriptor.value) ?? [];
    Reflect.defineMetadata(
      WEBHOOK_EVENT_METADATA,
      [...existing, ...names.map((n) => ({ name: n, options: options as WebhookEventOptions }))],
      descriptor.value,
    );
    return descriptor;
  };
}
