import { WEBHOOK_RESOURCE_METADATA } from '../webhooks-metadata.constants';

/** The lifecycle events a resource raises. */
export type WebhookResourceEvent = 'create' | 'update' | 'delete';

/** Options of {@link WebhookResource}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a class decorator cannot see the entity's type: `any` lets the callbacks read it unannotated
export interface WebhookResourceOptions<TEntity = any> {
  /**
   * The scope of an entity: its events are raised there, and `subscribeToResource` places subscriptions
   * there.
   * @default the ambient scope, else '/'
   */
  scope?: (entity: TEntity) => string | undefined;
  /**
   * Which lifecycle events to raise.
   * @default ['create', 'update', 'delete']
   */
  events?: WebhookResourceEvent[];
  /**
   * Builds the payload of an event.
   * @default the entity
   */
  payload?: (entity: TEntity, event: WebhookResourceEvent) => unknown;
  /**
   * The ordering key of an entity's events, so that its create, updates and delete reach each subscription
   * in the order they happened (see docs/ordering.md): `true` for the entity's `id`, or a function of the
   * entity (`undefined`/`null`: unordered).
   * @default none (unordered)
   */
  orderingKey?: true | ((entity: TEntity) => string | number | null | undefined);
  /** What the resource is, for the event-type catalog. @default undefined */
  description?: string;
}

/** What `@WebhookResource` stores on an entity class. */
export interface WebhookResourceMetadata {
  name: string;
  options: WebhookResourceOptions;
}

/** The resource metadata of an object's class (or of a class), if it is a webhook resource. */
export function resourceOf(value: unknown): WebhookResourceMetadata | undefined {
  if (value === null || value === undefined) return undefined;
  const target = typeof value === 'function' ? value : value.constructor;
  return target
    ? (Reflect.getMetadata(WEBHOOK_RESOURCE_METADATA, target) as WebhookResourceMetadata | undefined)
    : undefined;
}
