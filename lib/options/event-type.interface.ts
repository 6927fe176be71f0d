/** An event type the application declares in `forRoot({ eventTypes })`. */
export interface WebhookEventTypeDefinition {
  /** The event name, `noun.verb` (e.g. `contact.create`). */
  name: string;
  /** What the event means, for the people subscribing. @default null */
  description?: string;
  /** A JSON schema of the payload. @default null */
  schema?: Record<string, unknown>;
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
  /** A JSON schema of the payload, when one was declared. */
  schema: Record<string, unknown> | null;
  /** Where the event was declared, in the order above. */
  sources: WebhookEventTypeSource[];
}
