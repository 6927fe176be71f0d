import type { Abstract, Type } from '@nestjs/common';

/**
 * What a shaper is registered for: a resource type name (`'employee'`, matched against the event's
 * resource and the `@WebhookResource` names of the object's classes) or a class (matched when the object
 * is an instance of it, subclasses included; `Object` matches every object).
 */
export type WebhookPayloadTarget = string | Type<unknown> | Abstract<unknown>;

/** What a shaper is told besides the object. */
export interface WebhookShapeContext {
  /** The event name (`employee.create`). */
  event: string;
  /** The name of the dialect the payload is shaped for. */
  dialect: string;
  /** The resource type name of the object, when known. */
  resource?: string;
}

/**
 * Turns the object of an event into the payload to send. Returning `undefined` declines: the next
 * shaper in priority order is tried. Shapers are synchronous: the body is rendered while the event is
 * raised, in the caller's transaction.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` by default so that a shaper in the options reads its object unannotated, like Nest's useFactory arguments
export type WebhookPayloadShaperFunction<T = any> = (object: T, context: WebhookShapeContext) => unknown;

/**
 * Where a shaper applies (the options of `@WebhookPayloadShaper()`).
 *
 * Priority, highest first, for an object raised with an event and sent with a dialect:
 * 1. a shaper with `event` and `dialect` matching;
 * 2. a shaper with `event` matching and no `dialect`;
 * 3. the object itself when it already is a payload (`@WebhookPayload()` class);
 * 4. a shaper with no `event` and `dialect` matching;
 * 5. a shaper with neither;
 * 6. the object itself.
 *
 * Within one level the shaper for the nearest class wins (the object's own class or resource name before
 * its ancestors'), then the most specific event (`employee.create` before `employee.*`, `*.create`, `*`),
 * then the one registered first.
 */
export interface WebhookPayloadShaperOptions {
  /** The resource type name or the class the shaper applies to. */
  for: WebhookPayloadTarget;
  /**
   * The event name or pattern (`employee.create`, `employee.*`, `*.create`, `*`) the shaper applies to.
   * @default undefined (any event, at the lower priority of single shapers)
   */
  event?: string;
  /**
   * The dialect name(s) the shaper applies to: a receiver that speaks another dialect may want the same
   * object in another shape.
   * @default undefined (every dialect, at the lower priority of unnamed shapers)
   */
  dialect?: string | readonly string[];
}

/** A shaper registered through `WebhooksModule.forRoot({ payloadShapers })` or `PayloadShapers.add()`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same default as WebhookPayloadShaperFunction's
export interface WebhookPayloadShaperDefinition<T = any> extends WebhookPayloadShaperOptions {
  /** The function producing the payload. */
  shape: WebhookPayloadShaperFunction<T>;
}
