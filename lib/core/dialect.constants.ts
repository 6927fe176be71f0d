/** The name of the built-in dialect that sends the serialized payload alone, unwrapped. */
export const DEFAULT_DIALECT = 'default';

/** The name of the built-in dialect that wraps the payload in the Standard Webhooks envelope. */
export const STANDARD_DIALECT = 'standard';

/** Reflect metadata key written by `@WebhookDialect('name')` on a class: `{ name: string }`. */
export const WEBHOOK_DIALECT_METADATA = 'webhooks:dialect';

/** What a dialect name may look like: it is stored in a 64-character column and shown in URLs. */
export const DIALECT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The HTTP methods a dialect may send with: the ones that carry a request body. */
export const WEBHOOK_HTTP_METHODS = ['POST', 'PUT', 'PATCH'] as const;

/** The media type of the body when the dialect does not name one. */
export const DEFAULT_CONTENT_TYPE = 'application/json';

/**
 * Headers a dialect may not set through `headers`: `content-type` and `user-agent` have their own
 * options, the message framing ones belong to the HTTP client, and the `webhook-*` ones are added by the
 * sender after the dialect (signing must cover what is sent).
 */
export const RESERVED_DIALECT_HEADERS: readonly string[] = [
  'content-type',
  'user-agent',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
];

/** Headers never written to the attempt history as sent: they usually carry credentials. */
export const ALWAYS_SENSITIVE_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];
