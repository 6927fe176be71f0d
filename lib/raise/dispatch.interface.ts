import type { EntityManager } from 'typeorm';

/** Options of {@link WebhookDispatcher.dispatch}. */
export interface DispatchOptions {
  /**
   * The scope the event is raised in: it reaches the subscriptions of this scope and its ancestors (and of
   * the ambient scope's lineage).
   * @default the ambient scope, else '/'
   */
  scope?: string;
  /**
   * The EntityManager of the transaction to write the outbox rows in: they are sent when it commits, never
   * if it rolls back.
   * @default the ambient transaction (`transactionManager` option or @nestjs-cls/transactional), else a
   * transaction of the module's own
   */
  manager?: EntityManager;
  /**
   * The message id (`webhook-id`), for idempotency: dispatching the same id again adds no attempt for a
   * subscription that already has one. Letters, digits and `_ . : -`, at most 64 characters.
   * @default a new random id
   */
  id?: string;
  /**
   * The ordering key (e.g. the id of the entity the event is about): the events of one key reach each
   * subscription one after the other, in dispatch order — a later one waits while an earlier one is pending
   * or being retried; what a failed one does is `delivery.orderedFailure` (see docs/ordering.md). A number
   * is turned into its decimal text; `null`: unordered. At most 255 characters.
   * @default none (unordered)
   */
  orderingKey?: string | number | null;
  /** A note kept in each attempt's internal information, for whoever debugs it later, e.g. the request path. @default null */
  note?: string;
  /** The resource type of the payload, for payload shapers. @default from `@WebhookResource` on its class */
  resource?: string;
  /**
   * The id of the principal who caused the event (the logged-in user): besides a subscription's owner, it
   * must be allowed to see the payload, so that an action never sends what its author could not read.
   * `null`: nobody (a system action),
   * only owners are checked.
   * @default the authorizer's `initiator()`, else nobody
   */
  initiator?: string | null;
}

/** What a dispatch scheduled. */
export interface DispatchResult {
  /** The message id (`webhook-id`). */
  messageId: string;
  /** The attempts written, one per subscription reached. */
  attempts: Array<{ id: string; subscriptionId: string }>;
}
