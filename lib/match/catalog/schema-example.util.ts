import type { JsonSchema } from './class-schema.builder';

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00.000Z',
  date: '2026-01-01',
  email: 'user@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '018f3f0e-2b6a-7c1d-9e4f-5a6b7c8d9e0f',
  ipv4: '192.0.2.1',
};

/**
 * An example payload for a schema, for the catalog and the OpenAPI document: the schema's own `examples[0]`,
 * `example`, `const`, `default` or first `enum` value where it has one, else a value of its type (every
 * property of an object, one item of an array, a string of its format), following `$ref`s into `$defs`.
 * A `pattern` is not reverse-engineered: give such a property an `example`, or the event type one.
 */
export function exampleOfSchema(schema: JsonSchema, root: JsonSchema = schema, depth = 0): unknown {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  for (const key of ['example', 'const', 'default'] as const) if (schema[key] !== undefined) return schema[key];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (depth > 8) return null;
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(root, schema.$ref);
    return target ? exampleOfSchema(target, root, depth + 1) : null;
  }
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      if (key !== 'allOf') return exampleOfSchema(options[0] as JsonSchema, root, depth + 1);
      return Object.assign({}, ...options.map((part) => exampleOfSchema(part as JsonSchema, root, depth + 1)));
    }
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const type = types.find((t) => t !== 'null') ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const example: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const [name, property] of Object.entries(properties)) {
        example[name] = exampleOfSchema(property, root, depth + 1);
      }
      // Required names the schema says nothing more of: any value will do.
      for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
        if (!(name in example)) example[name] = null;
      }
      return example;
    }
    case 'array':
      // Deep down (a recursive schema), an empty list ends the example.
      return schema.items && depth < 4 ? [exampleOfSchema(schema.items as JsonSchema, root, depth + 1)] : [];
    case 'string': {
      const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
      if (format) return format;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      return 'string'.padEnd(min, 'x');
    }
    case 'integer':
    case 'number': {
      if (typeof schema.minimum === 'number') return schema.minimum;
      if (typeof schema.exclusiveMinimum === 'number') return schema.exclusiveMinimum + 1;
      return 0;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return null;
  }
}

/** A local reference (`#/$defs/Address`, `#/components/schemas/Address`) in `root`. */
function resolveRef(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node as JsonSchema | undefined;
}
