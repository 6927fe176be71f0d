import type { WebhookSubscription } from '../entities/webhook-subscription.entity';

/** What a dialect knows when it renders the body: once per (event, subscription), when the event is raised. */
export interface WebhookRenderContext {
  /** The event name (`employee.create`). */
  event: string;
  /** The message id, the same for every try (the `webhook-id` header). */
  messageId: string;
  /** The scope the event was raised in. */
  scope: string;
  /** When the event was raised. */
  timestamp: Date;
  /** The subscription the body is rendered for. */
  subscription: WebhookSubscription;
  /** The resource type name of the payload (`employee`) when known. */
  resource?: string;
}

/** What a dialect knows when it builds the request of one HTTP try. */
export interface WebhookTryContext extends WebhookRenderContext {
  /** The id of the delivery attempt being sent. */
  attemptId: string;
  /** 1 for the first try, 2 for the first retry, ... */
  tryNumber: number;
}

/** The HTTP methods a dialect may send with. */
export type WebhookHttpMethod = 'POST' | 'PUT' | 'PATCH';

/**
 * A dialect's extra headers: fixed ones, or a function computing them for each try (a value of
 * `undefined` leaves that header out). Names are case-insensitive and sent in lower case.
 */
export type WebhookDialectHeaders =
  Readonly<Record<string, string>> | ((context: WebhookTryContext) => Readonly<Record<string, string | undefined>>);

/**
 * The class-transformer options used when a class instance in the payload is turned into plain data
 * (passed to `instanceToPlain`; see class-transformer's `ClassTransformOptions`).
 */
export interface WebhookTransformOptions {
  /**
   * Only properties exposed for one of these groups (`@Expose({ groups: [...] })`) are sent.
   * @default undefined (no groups)
   */
  groups?: string[];
  /**
   * The version compared with `@Expose({ since, until })`.
   * @default undefined
   */
  version?: number;
  /**
   * `excludeAll` sends only `@Expose()`d properties.
   * @default 'exposeAll'
   */
  strategy?: 'exposeAll' | 'excludeAll';
  /**
   * Properties whose name starts with one of these are not sent (`['_']` hides `_internal`).
   * @default undefined
   */
  excludePrefixes?: string[];
  /**
   * Send only the properties marked `@Expose()`.
   * @default false
   */
  excludeExtraneousValues?: boolean;
  /**
   * Send properties whose value is `undefined` (JSON leaves them out either way).
   * @default true
   */
  exposeUnsetFields?: boolean;
}

/**
 * A dialect: how the requests to a subscription look. Every subscription names one (`default` unless it
 * says otherwise); the name is looked up when the subscription is created and when it is sent to.
 *
 * Write a custom dialect as a class extending {@link DefaultWebhookDialect} decorated with
 * `@WebhookDialect('name')` and provided in a module, or as a plain {@link WebhookDialectDefinition} in
 * `WebhooksModule.forRoot({ dialects })`.
 */
export interface WebhookDialect {
  /** The name subscriptions refer to: letters, digits, `_`, `.` and `-`, at most 64 characters. */
  readonly name: string;
  /**
   * The HTTP method.
   * @default 'POST'
   */
  readonly method?: WebhookHttpMethod;
  /**
   * The `Content-Type` of the body. Change {@link serialize} with it when the body is not JSON.
   * @default 'application/json'
   */
  readonly contentType?: string;
  /**
   * The `User-Agent`.
   * @default 'nestjs-webhooks/<version>' (the package version, e.g. `nestjs-webhooks/0.1.0`)
   */
  readonly userAgent?: string;
  /**
   * Extra headers, fixed or computed per try (e.g. an `authorization` header). They may not replace
   * `content-type`, `user-agent` (use their options), the framing headers, or the `webhook-*` headers the
   * sender adds.
   * @default {}
   */
  readonly headers?: WebhookDialectHeaders;
  /**
   * Header names (besides `authorization`, `proxy-authorization` and `cookie`) whose values are not kept
   * in the attempt history.
   * @default []
   */
  readonly sensitiveHeaders?: readonly string[];
  /**
   * class-transformer options for class instances in the payload (groups, version, strategy).
   * @default undefined (class-transformer's defaults)
   */
  readonly transform?: WebhookTransformOptions;
  /**
   * Wraps the payload, already turned into plain JSON-ready data, in the body's envelope.
   * @default the payload itself (no envelope)
   */
  envelope?(payload: unknown, context: WebhookRenderContext): unknown;
  /**
   * Turns the enveloped payload into the body text. Called once per (event, subscription) when the event
   * is raised; the text is stored and sent as is on every try.
   * @default JSON (dates as ISO 8601 strings; BigInt, NaN, Infinity and circular references refused)
   */
  serialize?(body: unknown, context: WebhookRenderContext): string;
}

/**
 * A dialect declared as plain options in `forRoot({ dialects })`: a variant of a built-in dialect with other
 * strings, headers or functions, for when a class with injected dependencies is more than is needed.
 *
 * ```ts
 * WebhooksModule.forRoot({ dialects: [{ name: 'legacy', method: 'PUT', userAgent: 'acme-hooks' }] })
 * ```
 */
export interface WebhookDialectDefinition extends Pick<
  WebhookDialect,
  'method' | 'contentType' | 'userAgent' | 'headers' | 'sensitiveHeaders' | 'transform'
> {
  /** The name subscriptions refer to: letters, digits, `_`, `.` and `-`, at most 64 characters. */
  name: string;
  /**
   * The built-in dialect whose behaviour is kept where this definition says nothing.
   * @default 'default'
   */
  extends?: 'default' | 'standard';
  /**
   * Wraps the plain payload in an envelope.
   * @default the envelope of the dialect named in {@link extends}
   */
  envelope?: (payload: unknown, context: WebhookRenderContext) => unknown;
  /**
   * Turns the enveloped payload into the body text.
   * @default JSON
   */
  serialize?: (body: unknown, context: WebhookRenderContext) => string;
}

/** The body of a message, rendered once when the event is raised. */
export interface RenderedWebhookBody {
  /** The exact text sent (and signed) on every try. */
  body: string;
  /** Its media type. */
  contentType: string;
}

/** The parts of one HTTP try that the dialect decides. */
export interface WebhookDialectRequest {
  /** The HTTP method. */
  method: WebhookHttpMethod;
  /** `content-type`, `user-agent` and the dialect's headers, names in lower case. */
  headers: Record<string, string>;
  /** Lower-case names of the headers whose values must not be recorded. */
  sensitiveHeaders: string[];
}
