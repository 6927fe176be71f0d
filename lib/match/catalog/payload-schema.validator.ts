import {
  WebhookPayloadSchemaError,
  type WebhookPayloadSchemaProblem,
} from '../../core/errors/webhook-payload-schema.error';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import { ajvMissingMessage, invalidSchemaMessage } from '../../core/schemas/schema.messages';
import type { JsonSchema } from './class-schema.builder';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: JsonSchema): AjvValidate;
}
type AjvClass = new (options: Record<string, unknown>) => AjvInstance;

let ajv: AjvInstance | null | undefined;

/**
 * Ajv for JSON Schema draft 2020-12 (the dialect of OpenAPI 3.1), with ajv-formats when the application has
 * it; `null` without ajv. Both are optional peers: only strict payload validation needs them.
 */
function loadAjv(): AjvInstance | null {
  if (ajv !== undefined) return ajv;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv is an optional peer
    const { Ajv2020 } = require('ajv/dist/2020') as { Ajv2020: AjvClass };
    // Not strict: schemas written for OpenAPI carry keywords of their own (`example`, `nullable`).
    ajv = new Ajv2020({ allErrors: true, strict: false });
  } catch {
    return (ajv = null);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv-formats is an optional peer
    const addFormats = require('ajv-formats') as ((instance: AjvInstance) => void) & { default?: unknown };
    (typeof addFormats.default === 'function' ? (addFormats.default as typeof addFormats) : addFormats)(ajv);
  } catch {
    // Without ajv-formats, "format" is not checked.
  }
  return ajv;
}

/** Whether ajv can be loaded (strict validation needs it). */
export const hasAjv = (): boolean => loadAjv() !== null;

/** `/address/zip` → `payload.address.zip`, `/items/2` → `payload.items[2]`. */
function payloadPath(instancePath: string, extra?: string): string {
  const parts = instancePath === '' ? [] : instancePath.slice(1).split('/');
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((path, raw) => {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) return `${path}[${part}]`;
    return /^[A-Za-z_$][\w$]*$/.test(part) ? `${path}.${part}` : `${path}[${JSON.stringify(part)}]`;
  }, 'payload');
}

/** A problem, phrased for people: where, then what ajv says (with the allowed values of an enum). */
function problemOf(error: AjvError): WebhookPayloadSchemaProblem {
  if (error.keyword === 'required') {
    return { path: payloadPath(error.instancePath, String(error.params.missingProperty)), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return {
      path: payloadPath(error.instancePath, String(error.params.additionalProperty)),
      message: 'is not allowed by the schema',
    };
  }
  let message = error.message ?? `fails "${error.keyword}"`;
  if (error.keyword === 'enum' && Array.isArray(error.params.allowedValues)) {
    message += `: ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path: payloadPath(error.instancePath), message };
}

/** Checks payloads of one event against its schema, compiled once. */
export class PayloadSchemaValidator {
  private readonly validate: AjvValidate;

  constructor(
    private readonly event: string,
    schema: JsonSchema,
  ) {
    const instance = loadAjv();
    if (!instance) throw new WebhooksConfigurationError(ajvMissingMessage(`Strict validation of "${event}"`));
    try {
      this.validate = instance.compile(schema);
    } catch (error) {
      throw new WebhooksConfigurationError(invalidSchemaMessage(event, (error as Error).message));
    }
  }

  /**
   * Throws a {@link WebhookPayloadSchemaError} naming where the payload — as JSON carries it: dates as
   * strings, class instances as their fields — does not match.
   */
  assert(payload: unknown): void {
    let plain: unknown;
    try {
      plain = payload === undefined ? null : (JSON.parse(JSON.stringify(payload)) as unknown);
    } catch {
      return; // Not JSON at all (a BigInt, a cycle): rendering the body says so, naming the value.
    }
    if (this.validate(plain)) return;
    throw new WebhookPayloadSchemaError(this.event, (this.validate.errors ?? []).map(problemOf));
  }
}
