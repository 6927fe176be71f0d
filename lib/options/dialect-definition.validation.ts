import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import {
  DEFAULT_DIALECT,
  DIALECT_NAME_PATTERN,
  RESERVED_DIALECT_HEADERS,
  STANDARD_DIALECT,
  WEBHOOK_HTTP_METHODS,
} from '../core/dialect.constants';
import {
  dialectNameExpectation,
  duplicateDialectMessage,
  duplicateHeaderMessage,
  invalidDialectOptionMessage,
  methodExpectation,
  reservedHeaderMessage,
  unknownDialectKeyMessage,
} from './dialect.messages';
import type { WebhookDialect, WebhookDialectDefinition, WebhookHttpMethod } from './webhook-dialect.interface';

/** The option names of a {@link WebhookDialectDefinition}. */
const DEFINITION_KEYS = [
  'name',
  'extends',
  'method',
  'contentType',
  'userAgent',
  'headers',
  'sensitiveHeaders',
  'transform',
  'envelope',
  'serialize',
] as const;

const TRANSFORM_KEYS = [
  'groups',
  'version',
  'strategy',
  'excludePrefixes',
  'excludeExtraneousValues',
  'exposeUnsetFields',
] as const;

/** RFC 9110 `token`: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters other than horizontal tab: CR and LF would let a value start a new header. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused
const HEADER_VALUE_FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f]/;
const MAX_HEADER_VALUE_LENGTH = 8192;
/** The dialects a definition may extend, as its error message lists them. */
const EXTENDS_EXPECTATION = `"${DEFAULT_DIALECT}" or "${STANDARD_DIALECT}"`;
/** `type/subtype` with optional parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/;

function fail(option: string, expected: string, actual: unknown): never {
  throw new WebhooksConfigurationError(invalidDialectOptionMessage(option, expected, actual), option);
}

/** Why a header name cannot be used, or `undefined` when it can. */
export function headerNameProblem(name: string): string | undefined {
  if (!HEADER_NAME.test(name)) return "is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only)";
  return undefined;
}

/** Why a header value cannot be sent, or `undefined` when it can. */
export function headerValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (HEADER_VALUE_FORBIDDEN.test(value)) return 'contains a line break or another control character';
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `is longer than ${MAX_HEADER_VALUE_LENGTH} characters`;
  return undefined;
}

/** Validates a dialect name. */
function assertDialectName(name: unknown, option: string): string {
  if (typeof name !== 'string' || !DIALECT_NAME_PATTERN.test(name)) fail(option, dialectNameExpectation(), name);
  return name;
}

/** The method in upper case, or a configuration error. */
export function normalizeMethod(method: unknown, option: string): WebhookHttpMethod {
  const upper = typeof method === 'string' ? method.toUpperCase() : undefined;
  if (!upper || !(WEBHOOK_HTTP_METHODS as readonly string[]).includes(upper)) fail(option, methodExpectation(), method);
  return upper as WebhookHttpMethod;
}

/**
 * Fixed headers with names in lower case, refusing invalid, reserved and duplicate names and values that
 * could not be sent.
 */
export function normalizeStaticHeaders(headers: unknown, option: string): Record<string, string> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    fail(option, 'an object of header names to string values, or a function (context) => headers', headers);
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const nameProblem = headerNameProblem(name);
    if (nameProblem) fail(`${option}.${name}`, 'a valid header name', name);
    if (RESERVED_DIALECT_HEADERS.includes(lower)) {
      throw new WebhooksConfigurationError(reservedHeaderMessage(`${option}.${name}`, lower), `${option}.${name}`);
    }
    if (lower in result)
      throw new WebhooksConfigurationError(duplicateHeaderMessage(option, lower), `${option}.${name}`);
    if (headerValueProblem(value))
      fail(`${option}.${name}`, 'a string without line breaks or control characters', value);
    result[lower] = value as string;
  }
  return result;
}

/**
 * Validates what a dialect (an instance, or a definition turned into one) declares, throwing a
 * {@link WebhooksConfigurationError} whose option is `<option>.<field>` (`dialects[2].method`).
 */
export function validateDialect(dialect: WebhookDialect, option: string): void {
  assertDialectName(dialect.name, `${option}.name`);
  if (dialect.method !== undefined) normalizeMethod(dialect.method, `${option}.method`);
  if (dialect.contentType !== undefined) {
    if (
      typeof dialect.contentType !== 'string' ||
      !MEDIA_TYPE.test(dialect.contentType) ||
      headerValueProblem(dialect.contentType)
    ) {
      fail(
        `${option}.contentType`,
        'a media type such as "application/json" or "text/plain; charset=utf-8"',
        dialect.contentType,
      );
    }
  }
  if (dialect.userAgent !== undefined) {
    if (
      typeof dialect.userAgent !== 'string' ||
      dialect.userAgent.trim() === '' ||
      headerValueProblem(dialect.userAgent)
    ) {
      fail(`${option}.userAgent`, 'a non-empty string without line breaks or control characters', dialect.userAgent);
    }
  }
  if (dialect.headers !== undefined && typeof dialect.headers !== 'function') {
    normalizeStaticHeaders(dialect.headers, `${option}.headers`);
  }
  if (dialect.sensitiveHeaders !== undefined) {
    if (!Array.isArray(dialect.sensitiveHeaders))
      fail(`${option}.sensitiveHeaders`, 'a list of header names', dialect.sensitiveHeaders);
    dialect.sensitiveHeaders.forEach((name, index) => {
      if (typeof name !== 'string' || headerNameProblem(name))
        fail(`${option}.sensitiveHeaders[${index}]`, 'a valid header name', name);
    });
  }
  if (dialect.transform !== undefined) validateTransform(dialect.transform, `${option}.transform`);
  // Read as values (not called): only their presence and type are checked.
  const hooks: Partial<Record<'envelope' | 'serialize', unknown>> = dialect;
  for (const hook of ['envelope', 'serialize'] as const) {
    if (hooks[hook] !== undefined && typeof hooks[hook] !== 'function')
      fail(`${option}.${hook}`, 'a function', hooks[hook]);
  }
}

function validateTransform(transform: unknown, option: string): void {
  if (typeof transform !== 'object' || transform === null || Array.isArray(transform)) {
    fail(option, 'class-transformer options (groups, version, strategy ...)', transform);
  }
  const record = transform as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(TRANSFORM_KEYS as readonly string[]).includes(key)) {
      throw new WebhooksConfigurationError(
        unknownDialectKeyMessage(`${option}.${key}`, TRANSFORM_KEYS),
        `${option}.${key}`,
      );
    }
  }
  for (const key of ['groups', 'excludePrefixes'] as const) {
    const list = record[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))) {
      fail(`${option}.${key}`, 'a list of strings', list);
    }
  }
  if (record.version !== undefined && (typeof record.version !== 'number' || !Number.isFinite(record.version))) {
    fail(`${option}.version`, 'a number', record.version);
  }
  if (record.strategy !== undefined && record.strategy !== 'exposeAll' && record.strategy !== 'excludeAll') {
    fail(`${option}.strategy`, '"exposeAll" or "excludeAll"', record.strategy);
  }
  for (const key of ['excludeExtraneousValues', 'exposeUnsetFields'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'boolean')
      fail(`${option}.${key}`, 'true or false', record[key]);
  }
}

/** Validates a plain dialect definition: its keys, `extends` and every field. */
export function validateDialectDefinition(definition: unknown, option: string): WebhookDialectDefinition {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    fail(option, 'a dialect definition object or a dialect class', definition);
  }
  for (const key of Object.keys(definition)) {
    if (!(DEFINITION_KEYS as readonly string[]).includes(key)) {
      throw new WebhooksConfigurationError(
        unknownDialectKeyMessage(`${option}.${key}`, DEFINITION_KEYS),
        `${option}.${key}`,
      );
    }
  }
  const typed = definition as WebhookDialectDefinition;
  if (typed.extends !== undefined && typed.extends !== DEFAULT_DIALECT && typed.extends !== STANDARD_DIALECT) {
    fail(`${option}.extends`, EXTENDS_EXPECTATION, typed.extends);
  }
  validateDialect(typed, option);
  return typed;
}

/**
 * Validates the `dialects` option without instantiating anything: the definitions in full, the classes
 * as classes, names unique among the definitions and distinct from the built-in ones. The module runs it
 * in `forRoot()` so that mistakes fail at import time; {@link DialectRegistry} runs the complete checks
 * (including decorated providers) at startup.
 */
export function validateDialectOptions(dialects: unknown, option = 'dialects'): void {
  if (dialects === undefined) return;
  if (!Array.isArray(dialects)) fail(option, 'a list of dialect definitions or dialect classes', dialects);
  const names = new Map<string, string>([
    [DEFAULT_DIALECT, 'the built-in default dialect'],
    [STANDARD_DIALECT, 'the built-in standard dialect'],
  ]);
  dialects.forEach((entry: unknown, index) => {
    const path = `${option}[${index}]`;
    if (typeof entry === 'function') return;
    const definition = validateDialectDefinition(entry, path);
    const previous = names.get(definition.name);
    if (previous)
      throw new WebhooksConfigurationError(
        duplicateDialectMessage(definition.name, `${path}.name`, previous),
        `${path}.name`,
      );
    names.set(definition.name, `${path}.name`);
  });
}
