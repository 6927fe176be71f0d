/** Whether payloads are checked against their event's schema when raised. */
export type WebhookPayloadValidation = 'off' | 'strict';

/** An event type the application declares in `forRoot({ eventTypes })`. */
export interface WebhookEventTypeDefinition {
  /** The event name, `noun.verb` (e.g. `contact.create`). */
  name: string;
  /** What the event means, for the people subscribing. @default null */
  description?: string;
  /** A JSON schema (draft 2020-12, as OpenAPI 3.1 uses) of the payload. @default null */
  schema?: Record<string, unknown>;
  /**
   * A class describing the payload with class-validator decorators (`@IsString`, `@ValidateNested` …)
   * and/or `@nestjs/swagger`'s `@ApiProperty`: its JSON schema is derived from them (`schema` wins).
   * @default undefined
   */
  payloadType?: abstract new (...args: never[]) => unknown;
  /** An example payload for the catalog and the OpenAPI document. @default one derived from the schema */
  example?: unknown;
  /**
   * `'strict'`: a payload of this event that does not match its schema fails `dispatch` with
   * `WebhookPayloadSchemaError` and nothing is stored; `'off'`: never checked.
   * @default the module's `payloadValidation`
   */
  validate?: WebhookPayloadValidation;
}

/** Where the catalog learned of an event type. */
export type WebhookEventTypeSource =
  /** `forRoot({ eventTypes })`. */
  | 'option'
  /** `@WebhookEvent` on a provider method (the source reads `event:ClassName.method`). */
  | `event:${string}`
  /** `@WebhookResource` on an entity (the source reads `resource:<name>`). */
  | `resource:${string}`
  /** A static subscription naming the event in `forRoot({ subscriptions })`. */
  | 'subscription';

/** One entry of the event-type catalog. */
export interface WebhookEventType {
  /** The event name, `noun.verb`. */
  name: string;
  /** What the event means; the first one given by the option, a `@WebhookEvent`, a `@WebhookResource`. */
  description: string | null;
  /** A JSON schema of the payload: declared, or derived from a `payloadType` class. */
  schema: Record<string, unknown> | null;
  /** An example payload: declared, or derived from the schema; `null` without either. */
  example: unknown;
  /** Whether payloads are checked against the schema when the event is raised. */
  validated: boolean;
  /** Where the event was declared, in the order above. */
  sources: WebhookEventTypeSource[];
}
