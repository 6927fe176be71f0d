/** Formatting for people: dates, durations, rates; and a JSON schema's example payload. */

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** "3 min ago", "in 2 h". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(seconds, 'second');
  if (abs < 2700) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 64800) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function percent(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`;
}

/** A body as stored, made readable: indented when it is JSON. */
export function prettyBody(body: string): string {
  if (!body) return '';
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

type Schema = Record<string, unknown>;

/**
 * An example payload for an event type: the schema's own (`examples[0]`, `example`, `default`, `const`), else
 * one made from its types and formats.
 */
export function exampleOf(schema: Schema | null | undefined, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 6) return null;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  for (const key of ['example', 'default', 'const']) if (key in schema) return schema[key];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type: unknown = Array.isArray(schema.type) ? (schema.type as unknown[])[0] : schema.type;
  if (type === 'object' || (type === undefined && schema.properties)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    return Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, exampleOf(child, depth + 1)]));
  }
  if (type === 'array') return [exampleOf(schema.items as Schema, depth + 1)];
  if (type === 'integer' || type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 42;
  if (type === 'boolean') return true;
  if (type === 'null') return null;
  if (type === 'string') {
    const formats: Record<string, string> = {
      'date-time': '2025-01-31T12:00:00Z',
      date: '2025-01-31',
      email: 'ada@example.com',
      uri: 'https://example.com/',
      uuid: '01938f6e-8a9c-7cc1-9e2b-4c1f0f7d2a10',
    };
    return formats[String(schema.format)] ?? 'text';
  }
  const variant = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  return Array.isArray(variant) && variant.length > 0 ? exampleOf(variant[0], depth + 1) : null;
}
