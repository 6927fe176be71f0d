import type { WebhookTransformOptions } from '../dialects/webhook-dialect.interface';
import { type InstanceToPlain, loadInstanceToPlain } from './class-transformer.loader';
import {
  bigintDetail,
  circularDetail,
  invalidDateDetail,
  mapKeyDetail,
  nonFiniteDetail,
  nothingDetail,
  payloadRefusedMessage,
  reasonOf,
  toJsonFailedDetail,
  tooDeepDetail,
  transformFailedDetail,
} from './payload.messages';
import { WebhookPayloadError } from './webhook-payload.error';

/** How {@link toPlainPayload} and {@link serializeJsonPayload} work. */
export interface PayloadSerializationOptions {
  /** The event the payload belongs to, named in errors. */
  event: string;
  /**
   * class-transformer options for class instances.
   * @default undefined (class-transformer's defaults)
   */
  transform?: WebhookTransformOptions;
  /**
   * The name of the value in error paths (`payload.items[2].total`).
   * @default 'payload'
   */
  root?: string;
}

/** Marks a value JSON has no form for (undefined, functions, symbols): left out of objects, null in arrays. */
const NOTHING: unique symbol = Symbol('nothing');

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Turns a payload into plain JSON-ready data, the way it will be sent:
 * - an object with a `toJSON()` method (a `Date`, a `Buffer`, a decimal) becomes what that returns, and a
 *   `Date` its ISO 8601 string;
 * - another class instance goes through class-transformer's `instanceToPlain` (so `@Exclude()`,
 *   `@Expose()` and groups apply) when class-transformer is installed, else its own enumerable properties;
 * - a `Map` becomes an object, a `Set` an array;
 * - `undefined`, functions and symbols are left out of objects and become `null` in arrays, as in JSON.
 *
 * Throws a {@link WebhookPayloadError} naming the event and the path for what JSON cannot hold honestly:
 * BigInt, NaN and ±Infinity, invalid dates, circular references, a top-level `undefined`.
 */
export function toPlainPayload(value: unknown, options: PayloadSerializationOptions): unknown {
  const root = options.root ?? 'payload';
  const walker = new PlainWalker(options.event, options.transform, loadInstanceToPlain());
  let result: unknown;
  try {
    result = walker.walk(value, root, '');
  } catch (error) {
    if (error instanceof RangeError) walker.fail(root, tooDeepDetail(root));
    throw error;
  }
  if (result === NOTHING) walker.fail(root, nothingDetail(root, value));
  return result;
}

/** {@link toPlainPayload}, then the JSON text: what the default dialect sends. */
export function serializeJsonPayload(value: unknown, options: PayloadSerializationOptions): string {
  return JSON.stringify(toPlainPayload(value, options));
}

class PlainWalker {
  /** The objects being walked, with their paths: meeting one again is a cycle. */
  private readonly open = new Map<object, string>();

  constructor(
    private readonly event: string,
    private readonly transform: WebhookTransformOptions | undefined,
    private readonly instanceToPlain: InstanceToPlain | null,
  ) {}

  fail(path: string, detail: string): never {
    throw new WebhookPayloadError(payloadRefusedMessage(this.event, detail), this.event, path);
  }

  walk(value: unknown, path: string, key: string): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) this.fail(path, nonFiniteDetail(path, value));
        return value;
      case 'bigint':
        return this.fail(path, bigintDetail(path));
      case 'undefined':
      case 'function':
      case 'symbol':
        return NOTHING;
    }
    if (value === null) return null;
    const object = value as object;
    if (object instanceof Date) {
      if (Number.isNaN(object.getTime())) this.fail(path, invalidDateDetail(path));
      return object.toISOString();
    }
    const openedAt = this.open.get(object);
    if (openedAt !== undefined) this.fail(path, circularDetail(path, openedAt));
    this.open.set(object, path);
    try {
      return this.walkObject(object, path, key);
    } finally {
      this.open.delete(object);
    }
  }

  private walkObject(object: object, path: string, key: string): unknown {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      let replaced: unknown;
      try {
        replaced = toJSON.call(object, key);
      } catch (error) {
        return this.fail(path, toJsonFailedDetail(path, reasonOf(error)));
      }
      return this.walk(replaced, path, key);
    }
    if (Array.isArray(object)) {
      return object.map((item, index) => {
        const plain = this.walk(item, `${path}[${index}]`, String(index));
        return plain === NOTHING ? null : plain;
      });
    }
    if (object instanceof Map) {
      const result: Record<string, unknown> = {};
      for (const [entryKey, entryValue] of object) {
        if (typeof entryKey !== 'string' && typeof entryKey !== 'number') this.fail(path, mapKeyDetail(path, entryKey));
        this.assign(result, String(entryKey), entryValue, path);
      }
      return result;
    }
    if (object instanceof Set) return this.walk([...object], path, key);
    if (this.instanceToPlain && !isPlainObject(object)) {
      return this.walk(this.classToPlain(object, path), path, key);
    }
    const result: Record<string, unknown> = {};
    for (const property of Object.keys(object)) {
      this.assign(result, property, (object as Record<string, unknown>)[property], path);
    }
    return result;
  }

  private assign(target: Record<string, unknown>, property: string, value: unknown, path: string): void {
    const plain = this.walk(value, IDENTIFIER.test(property) ? `${path}.${property}` : `${path}[${JSON.stringify(property)}]`, property);
    if (plain !== NOTHING) target[property] = plain;
  }

  private classToPlain(instance: object, path: string): unknown {
    try {
      return this.instanceToPlain!(instance, this.transform);
    } catch (error) {
      if (error instanceof RangeError) {
        // class-transformer recursed without end: find the cycle among the instance's own properties to
        // name it, or report the depth when the cycle runs through exposed accessors.
        new PlainWalker(this.event, undefined, null).walk(instance, path, '');
        return this.fail(path, tooDeepDetail(path));
      }
      return this.fail(path, transformFailedDetail(path, reasonOf(error)));
    }
  }
}

function isPlainObject(object: object): boolean {
  const prototype = Object.getPrototypeOf(object) as object | null;
  return prototype === null || prototype === Object.prototype;
}
