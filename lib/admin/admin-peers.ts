/**
 * The optional packages of the admin API, loaded with a guarded `require` so that applications that do not
 * turn the admin API on (or do not use `@nestjs/swagger`) need not install them. When one is missing, its decorators
 * become no-ops; `forRoot({ admin })` then fails at startup naming what to install.
 */
import type * as ClassValidatorModule from 'class-validator';
import type * as ClassTransformerModule from 'class-transformer';
import type * as SwaggerModule from '@nestjs/swagger';

type ClassValidator = typeof ClassValidatorModule;
type ClassTransformer = typeof ClassTransformerModule;
type Swagger = typeof SwaggerModule;

/** The packages `forRoot({ admin })` cannot work without. */
const ADMIN_REQUIRED_PEERS = ['class-validator', 'class-transformer'] as const;

/** Loads a package by name (`require`), throwing when it is not installed. */
export type OptionalRequire = (name: string) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peers: loaded only when installed, and an import would fail when they are not
const nodeRequire: OptionalRequire = (name) => require(name);

function optional<T>(name: string, load: OptionalRequire = nodeRequire): T | null {
  try {
    return load(name) as T;
  } catch {
    return null;
  }
}

// Any decorator factory of a missing package: accepts anything, decorates nothing.
const inert = <T extends object>(): T => new Proxy({}, { get: () => () => () => undefined }) as T;

/** class-validator (the real one, or inert decorators when it is missing). */
export const classValidator: ClassValidator = optional<ClassValidator>('class-validator') ?? inert<ClassValidator>();

/** class-transformer (the real one, or inert decorators when it is missing). */
export const classTransformer: ClassTransformer =
  optional<ClassTransformer>('class-transformer') ?? inert<ClassTransformer>();

/** `@nestjs/swagger` when the application has it, else `null`. */
export const swagger: Swagger | null = optional<Swagger>('@nestjs/swagger');

/** The required peers that cannot be loaded (`load` replaces `require` in tests). */
export function missingAdminPeers(load: OptionalRequire = nodeRequire): string[] {
  return ADMIN_REQUIRED_PEERS.filter((name) => optional(name, load) === null);
}
