import type { WebhookEventType } from '../../options/event-type.interface';
import type { JsonSchema } from './class-schema.builder';

/** Options of the OpenAPI description of the webhooks an application sends. */
export interface WebhooksOpenApiOptions {
  /**
   * The body's shape: `'none'`, the payload itself (the `default` dialect); `'standard'`, the Standard
   * Webhooks envelope `{ type, timestamp, data }` (the `standard` dialect).
   * @default 'none'
   */
  envelope?: 'none' | 'standard';
  /** `info.title` of a standalone document. @default 'Webhooks' */
  title?: string;
  /** `info.version` of a standalone document. @default '1.0.0' */
  version?: string;
}

/** The parts of an OpenAPI 3.1 document describing the webhooks: merge them into your own. */
export interface WebhooksOpenApiParts {
  /** One entry per event type: the `POST` the application sends, its headers and body. */
  webhooks: Record<string, Record<string, unknown>>;
  /** The payload schemas the entries reference (`#/components/schemas/...`). */
  components: { schemas: Record<string, JsonSchema> };
}

/** A standalone OpenAPI 3.1 document of the webhooks. */
export interface WebhooksOpenApiDocument extends WebhooksOpenApiParts {
  openapi: '3.1.0';
  info: { title: string; version: string };
}

const SCHEMAS = '#/components/schemas/';

/** The Standard Webhooks headers every request carries (https://www.standardwebhooks.com). */
const HEADERS = [
  {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description: 'The message id: the same on every try of one event (deduplicate on it).',
    schema: { type: 'string', examples: ['msg_2b3c4d5e6f'] },
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'When this try was signed, in seconds since the epoch (refuse ones too far from now).',
    schema: { type: 'string', pattern: '^[0-9]+$', examples: ['1767225600'] },
  },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'Space-separated signatures `v1,<base64 HMAC-SHA256>` (or `v1a,<base64 Ed25519>`) of ' +
      '`<webhook-id>.<webhook-timestamp>.<body>`; any one matching a secret of the subscription verifies it.',
    schema: { type: 'string', examples: ['v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='] },
  },
];

/** `order.created` → `OrderCreatedWebhookPayload`. */
const componentName = (event: string): string =>
  event
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('') + 'WebhookPayload';

/** The schema with its `$defs` moved to `components` and the references to them rewritten. */
function hoist(schema: JsonSchema, name: string, components: Record<string, JsonSchema>): JsonSchema {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // `#` (the payload itself, in a recursive schema) becomes the payload's component.
      if (key === '$ref' && inner === '#') {
        out.$ref = SCHEMAS + name;
      } else if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
        out.$ref = SCHEMAS + inner.slice('#/$defs/'.length);
      } else if (key !== '$defs') {
        out[key] = rewrite(inner);
      }
    }
    return out;
  };
  const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
  for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(def) as JsonSchema;
  return rewrite(schema) as JsonSchema;
}

/**
 * The `webhooks` section (OpenAPI 3.1) describing what the application sends, from the event-type catalog:
 * per event, the `POST` with the Standard Webhooks headers, the payload schema (in `components.schemas`,
 * named `<Event>WebhookPayload`) and an example, and what the receiver's answers mean.
 */
export function buildWebhooksOpenApi(
  types: readonly WebhookEventType[],
  options: WebhooksOpenApiOptions = {},
): WebhooksOpenApiParts {
  const schemas: Record<string, JsonSchema> = {};
  const webhooks: Record<string, Record<string, unknown>> = {};
  for (const type of types) {
    const name = componentName(type.name);
    const payload = hoist(type.schema ?? { description: 'Any JSON value: no schema was declared.' }, name, schemas);
    schemas[name] = { ...payload, title: payload.title ?? name };
    const ref = { $ref: SCHEMAS + name };
    const body =
      options.envelope === 'standard'
        ? {
            type: 'object',
            required: ['type', 'timestamp', 'data'],
            properties: {
              type: { const: type.name },
              timestamp: { type: 'string', format: 'date-time' },
              data: ref,
            },
          }
        : ref;
    const example =
      options.envelope === 'standard'
        ? { type: type.name, timestamp: '2026-01-01T00:00:00.000Z', data: type.example }
        : type.example;
    webhooks[type.name] = {
      post: {
        operationId: `webhook_${type.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
        summary: type.name,
        ...(type.description ? { description: type.description } : {}),
        tags: ['Webhooks'],
        parameters: HEADERS,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: body, ...(example === null ? {} : { example }) } },
        },
        responses: {
          '2XX': { description: 'Received: any 2xx answer within the timeout acknowledges the delivery.' },
          '410': { description: 'Gone: the subscription is deactivated and nothing more is sent to it.' },
          '429': { description: 'Too many requests: retried after Retry-After; the subscription is paused meanwhile.' },
          default: { description: 'Any other answer (or none) is a failed try, retried on the schedule.' },
        },
      },
    };
  }
  return { webhooks, components: { schemas } };
}
