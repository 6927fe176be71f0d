/**
 * A class as a value (abstract ones too): what decorator metadata and Nest's providers are keyed by. Unlike
 * `Function`, it says what the value is for, and nothing can be called through it by mistake.
 */
export type ClassLike = abstract new (...args: never[]) => unknown;

/**
 * Whether a value can be a class: any function can (JavaScript cannot tell a class from a function
 * without calling it). Used where a constructor is read back from an instance, a prototype or a provider.
 */
export function isClassLike(value: unknown): value is ClassLike {
  return typeof value === 'function';
}
