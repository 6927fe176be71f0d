/** Options of {@link WebhookEvent}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a method decorator cannot see the method's types: `any` lets the callbacks read the result and arguments unannotated
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
   * The ordering key (e.g. the id of the entity the event is about): the events of one key reach each
   * subscription one after the other, in the order they were raised (see docs/ordering.md). A string, or a
   * function of the method's result and arguments; `undefined`/`null` from it: unordered.
   * @default none (unordered)
   */
  orderingKey?: string | ((result: TResult, args: TArgs) => string | number | null | undefined);
  /**
   * Raise the event only when this returns true.
   * @default always
   */
  when?: (result: TResult, args: TArgs) => boolean;
  /** The resource type of the payload, for payload shapers. @default from `@WebhookResource` on its class */
  resource?: string;
  /** What the event means, for the event-type catalog. @default undefined */
  description?: string;
  /** A JSON schema of the payload, for the event-type catalog (and strict validation). @default undefined */
  schema?: Record<string, unknown>;
  /**
   * A class describing the payload with class-validator / `@nestjs/swagger` decorators, whose JSON schema
   * the catalog derives (when `schema` is not given). @default undefined
   */
  payloadType?: abstract new (...args: never[]) => unknown;
  /** An example payload, for the catalog and the OpenAPI document. @default one derived from the schema */
  example?: unknown;
  /** Check the payload against the schema when raised (see `payloadValidation`). @default the module's */
  validate?: 'off' | 'strict';
}

/** What `@WebhookEvent` stores on a method. */
export interface WebhookEventMetadata {
  name: string;
  options: WebhookEventOptions;
}
