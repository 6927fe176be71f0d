import type { ClassLike } from '../../core/util/class-like.util';

/** A JSON schema (draft 2020-12) as plain data. */
export type JsonSchema = Record<string, unknown>;

/** What class-validator records per decorator (`getMetadataStorage().getTargetValidationMetadatas`). */
interface ValidationMetadata {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

interface ClassValidatorLike {
  getMetadataStorage(): {
    getTargetValidationMetadatas(
      target: ClassLike,
      targetSchema: string,
      always: boolean,
      strictGroups: boolean,
    ): ValidationMetadata[];
  };
}

interface ClassTransformerStorage {
  findTypeMetadata(target: ClassLike, propertyName: string): { typeFunction: () => unknown } | undefined;
}

/** `@ApiProperty()` options as @nestjs/swagger records them on the prototype. */
type SwaggerProperty = Record<string, unknown> & { type?: unknown; isArray?: boolean; required?: boolean };

// @nestjs/swagger's public metadata keys (its DECORATORS constants): read directly, so that the schema of a
// class needs no application instance (SwaggerModule.createDocument does) and no internal import.
const SWAGGER_PROPERTIES = 'swagger/apiModelPropertiesArray';
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';

// class-validator's checks and what each says in JSON Schema; the others say nothing the schema can hold.
const FORMATS: Record<string, string> = {
  isEmail: 'email',
  isUrl: 'uri',
  isUUID: 'uuid',
  isDateString: 'date-time',
  isISO8601: 'date-time',
  isIP: 'ipv4',
};
const TYPES: Record<string, JsonSchema> = {
  isString: { type: 'string' },
  isNumber: { type: 'number' },
  isInt: { type: 'integer' },
  isBoolean: { type: 'boolean' },
  isObject: { type: 'object' },
  isArray: { type: 'array' },
  isDate: { type: 'string', format: 'date-time' },
  ...Object.fromEntries(Object.entries(FORMATS).map(([name, format]) => [name, { type: 'string', format }])),
};

/* eslint-disable @typescript-eslint/no-require-imports -- optional peers, loaded only when installed */
function optional<T>(load: () => T): T | null {
  try {
    return load();
  } catch {
    return null;
  }
}
const classValidator = () => optional(() => require('class-validator') as ClassValidatorLike);
const classTransformerStorage = () =>
  optional(
    () =>
      (require('class-transformer/cjs/storage') as { defaultMetadataStorage: ClassTransformerStorage })
        .defaultMetadataStorage,
  );
/* eslint-enable @typescript-eslint/no-require-imports */

const isClass = (value: unknown): value is ClassLike =>
  typeof value === 'function' && ![String, Number, Boolean, Date, Array, Object].includes(value as never);

const primitive = (type: unknown): JsonSchema | null => {
  if (type === String || type === 'string') return { type: 'string' };
  if (type === Number || type === 'number') return { type: 'number' };
  if (type === 'integer') return { type: 'integer' };
  if (type === Boolean || type === 'boolean') return { type: 'boolean' };
  if (type === Date) return { type: 'string', format: 'date-time' };
  if (type === Object || type === 'object') return { type: 'object' };
  return null;
};

/**
 * The JSON schema (draft 2020-12) of a payload class, from what its decorators say: class-validator's checks
 * (`@IsString`, `@IsInt`, `@Min`, `@IsEnum`, `@IsOptional`, `@ValidateNested` with class-transformer's `@Type`,
 * `{ each: true }` …) and `@nestjs/swagger`'s `@ApiProperty` (type, description, example, enum, format,
 * bounds — it wins where both speak). Nested classes go to `$defs`, referenced as `#/$defs/<Class>`.
 * Properties without `@IsOptional` (or with `@ApiProperty({ required: true })`) are required. Returns
 * `null` when the class carries neither kind of metadata (or neither package is installed).
 */
export function schemaOfClass(target: ClassLike): JsonSchema | null {
  const defs: Record<string, JsonSchema> = {};
  const schema = describeClass(target, defs, new Set());
  if (!schema) return null;
  return Object.keys(defs).length > 0 ? { ...schema, $defs: defs } : schema;
}

function describeClass(
  target: ClassLike,
  defs: Record<string, JsonSchema>,
  seen: Set<ClassLike>,
  root: ClassLike = target,
): JsonSchema | null {
  seen.add(target);
  const validations =
    classValidator()?.getMetadataStorage().getTargetValidationMetadatas(target, '', true, false) ?? [];
  const swaggerNames = (
    (Reflect.getMetadata(SWAGGER_PROPERTIES, target.prototype as object) as string[] | undefined) ?? []
  ).map((name) => name.replace(/^:/, ''));
  const names = [...new Set([...validations.map((v) => v.propertyName), ...swaggerNames])];
  if (names.length === 0) return null;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const ref = (nested: ClassLike): JsonSchema => {
    // The root class itself (a tree of its own kind) is the whole schema: `#`.
    if (nested === root) return { $ref: '#' };
    if (!seen.has(nested)) {
      const schema = describeClass(nested, defs, seen, root);
      defs[nested.name] = schema ?? { type: 'object' };
    }
    return { $ref: `#/$defs/${nested.name}` };
  };
  for (const name of names) {
    const checks = validations.filter((v) => v.propertyName === name);
    const swagger = Reflect.getMetadata(SWAGGER_PROPERTY, target.prototype as object, name) as
      SwaggerProperty | undefined;
    const { schema, optional: isOptional } = describeProperty(target, name, checks, swagger, ref);
    properties[name] = schema;
    if (!isOptional) required.push(name);
  }
  const schema: JsonSchema = { type: 'object', properties };
  if (required.length > 0) schema.required = required;
  return schema;
}

function describeProperty(
  target: ClassLike,
  name: string,
  checks: readonly ValidationMetadata[],
  swagger: SwaggerProperty | undefined,
  ref: (nested: ClassLike) => JsonSchema,
): { schema: JsonSchema; optional: boolean } {
  // What applies to the value itself, and what (with `each: true`) to each of its items.
  const own: JsonSchema = {};
  const item: JsonSchema = {};
  let optional = false;
  let nested = false;
  for (const check of checks) {
    if (check.type === 'conditionalValidation' && check.name === 'isOptional') optional = true;
    if (check.type === 'nestedValidation') nested = true;
    if (check.type !== 'customValidation' || !check.name) continue;
    const into = check.each ? item : own;
    const [first, second] = check.constraints ?? [];
    const type = TYPES[check.name];
    if (type) Object.assign(into, type);
    switch (check.name) {
      case 'min':
        into.minimum = first;
        break;
      case 'max':
        into.maximum = first;
        break;
      case 'isPositive':
        into.exclusiveMinimum = 0;
        break;
      case 'minLength':
        into.minLength = first;
        break;
      case 'maxLength':
        into.maxLength = first;
        break;
      case 'length':
        into.minLength = first;
        if (second !== undefined) into.maxLength = second;
        break;
      case 'matches':
        if (first instanceof RegExp) into.pattern = first.source;
        else if (typeof first === 'string') into.pattern = first;
        break;
      case 'isNotEmpty':
        if (into.type === 'string') into.minLength = 1;
        break;
      case 'arrayMinSize':
        own.minItems = first;
        break;
      case 'arrayMaxSize':
        own.maxItems = first;
        break;
      case 'isIn':
        into.enum = first;
        break;
      case 'isEnum':
        // class-validator keeps the enum object and its valid values.
        into.enum = Array.isArray(second) ? second : Object.values(first as object);
        break;
    }
  }
  // The declared type (TypeScript's, recorded by emitDecoratorMetadata), or class-transformer's @Type.
  const typed = classTransformerStorage()?.findTypeMetadata(target, name)?.typeFunction();
  const designType = Reflect.getMetadata('design:type', target.prototype as object, name) as unknown;
  const declared = typed ?? designType;
  if (isClass(declared) && (nested || typed !== undefined)) {
    if (designType === Array || own.type === 'array') Object.assign(item, ref(declared));
    else Object.assign(own, ref(declared));
  } else if (own.type === undefined && designType !== Array) {
    Object.assign(own, primitive(declared) ?? {});
  }
  if (designType === Array && own.type === undefined) own.type = 'array';
  if (swagger) applySwagger(own, item, swagger, ref);
  if (own.type === 'array' || Object.keys(item).length > 0) {
    own.type = 'array';
    if (Object.keys(item).length > 0) own.items = item;
  }
  if (swagger?.required === false) optional = true;
  if (swagger?.required === true) optional = false;
  return { schema: own, optional };
}

/** Overlays `@ApiProperty` options: the application's own documentation of the field wins. */
function applySwagger(
  own: JsonSchema,
  item: JsonSchema,
  swagger: SwaggerProperty,
  ref: (nested: ClassLike) => JsonSchema,
): void {
  const isArray = swagger.isArray === true || Array.isArray(swagger.type);
  const type = Array.isArray(swagger.type) ? (swagger.type as unknown[])[0] : swagger.type;
  const into = isArray ? item : own;
  if (isArray) own.type = 'array';
  // @ApiProperty records TypeScript's type (Number) even when not given: class-validator's more precise
  // one (`@IsInt` → integer) is kept, the swagger type fills only what class-validator left open.
  if (type !== undefined && into.type === undefined && into.$ref === undefined) {
    const described = typeof type === 'function' && isClass(type) ? ref(type) : primitive(type);
    if (described) Object.assign(into, described);
  }
  if (Array.isArray(swagger.enum)) into.enum = swagger.enum;
  for (const key of ['format', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern'] as const) {
    if (swagger[key] !== undefined) into[key] = swagger[key];
  }
  for (const key of ['description', 'example', 'default', 'deprecated'] as const) {
    if (swagger[key] !== undefined) own[key] = swagger[key];
  }
  if (swagger.nullable === true && typeof own.type === 'string') own.type = [own.type, 'null'];
}
