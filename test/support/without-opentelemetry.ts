/**
 * Preloaded (`node -r`) to run a process as an application without `@opentelemetry/api` installed: every
 * `@opentelemetry/*` package fails to resolve, as it does when it is not in node_modules.
 */
import Module from 'node:module';

const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  if (request.startsWith('@opentelemetry/')) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
