import type { WebhookTransformOptions } from '../../options/webhook-dialect.interface';
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
} from '../../options/payload.messages';
import { WebhookPayloadError } from '../../core/errors/webhook-payload.error';

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
  const walker = new PlainWalker(options.event, options.transform, loadInstanceToPlain(), root);
  let result: unknown;
  try {
    result = walker.walk(value, '');
  } catch (error) {
    if (error instanceof RangeError) walker.fail(tooDeepDetail(root));
    throw error;
  }
  if (result === NOTHING) walker.fail(nothingDetail(root, value));
  return result;
}

/** {@link toPlainPayload}, then the JSON text: what the default dialect sends. */
export function serializeJsonPayload(value: unknown, options: PayloadSerializationOptions): string {
  return JSON.stringify(toPlainPayload(value, options));
}

/**
 * Walks a payload depth first. Plain data comes back as it is (a copy is made only of the objects and
 * arrays under which something changed), and the path of a value (`payload.items[2].total`) is only
 * spelled out when something is refused: payloads are walked on every event raised.
 */
class PlainWalker {
  /** The objects being walked: meeting one again is a cycle. Values: the depth they were opened at. */
  private readonly open = new Map<object, number>();
  /** The keys from the root to the value being walked. */
  private readonly keys: Array<string | number> = [];

  constructor(
    private readonly event: string,
    private readonly transform: WebhookTransformOptions | undefined,
    private readonly instanceToPlain: InstanceToPlain | null,
    private readonly root: string,
  ) {}

  fail(detail: string, path = this.path()): never {
    throw new WebhookPayloadError(payloadRefusedMessage(this.event, detail), this.event, path);
  }

  walk(value: unknown, key: string): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) this.fail(nonFiniteDetail(this.path(), value));
        return value;
      case 'bigint':
        return this.fail(bigintDetail(this.path()));
      case 'undefined':
      case 'function':
      case 'symbol':
        return NOTHING;
    }
    if (value === null) return null;
    const object = value as object;
    if (object instanceof Date) {
      if (Number.isNaN(object.getTime())) this.fail(invalidDateDetail(this.path()));
      return object.toISOString();
    }
    const openedAt = this.open.get(object);
    if (openedAt !== undefined) this.fail(circularDetail(this.path(), this.path(openedAt)));
    this.open.set(object, this.keys.length);
    try {
      return this.walkObject(object, key);
    } finally {
      this.open.delete(object);
    }
  }

  /** The path of the value at `depth` keys from the root (by default the one being walked). */
  private path(depth = this.keys.length): string {
    let path = this.root;
    for (let i = 0; i < depth; i++) {
      const key = this.keys[i];
      path += typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
    return path;
  }

  private child(value: unknown, key: string | number): unknown {
    this.keys.push(key);
    try {
      return this.walk(value, String(key));
    } finally {
      this.keys.pop();
    }
  }

  private walkObject(object: object, key: string): unknown {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      let replaced: unknown;
      try {
        replaced = toJSON.call(object, key);
      } catch (error) {
        return this.fail(toJsonFailedDetail(this.path(), reasonOf(error)));
      }
      return this.walk(replaced, key);
    }
    if (Array.isArray(object)) {
      let copy: unknown[] | undefined;
      for (let index = 0; index < object.length; index++) {
        const item: unknown = object[index];
        let plain = this.child(item, index);
        if (plain === NOTHING) plain = null;
        if (plain !== item && !copy) copy = object.slice(0, index);
        copy?.push(plain);
      }
      return copy ?? object;
    }
    if (object instanceof Map) {
      const result: Record<string, unknown> = {};
      for (const [entryKey, entryValue] of object) {
        if (typeof entryKey !== 'string' && typeof entryKey !== 'number')
          this.fail(mapKeyDetail(this.path(), entryKey));
        const plain = this.child(entryValue, String(entryKey));
        if (plain !== NOTHING) result[String(entryKey)] = plain;
      }
      return result;
    }
    if (object instanceof Set) return this.walk([...object], key);
    if (!isPlainObject(object)) {
      if (this.instanceToPlain) return this.walk(this.classToPlain(object), key);
      return this.copyProperties(object, Object.keys(object), 0, {});
    }
    const properties = Object.keys(object);
    for (let i = 0; i < properties.length; i++) {
      const property = properties[i];
      const value = (object as Record<string, unknown>)[property];
      const plain = this.child(value, property);
      if (plain !== value) {
        // Something changed below: copy what was walked, then go on building the copy.
        const copy: Record<string, unknown> = {};
        for (let j = 0; j < i; j++) copy[properties[j]] = (object as Record<string, unknown>)[properties[j]];
        if (plain !== NOTHING) copy[property] = plain;
        return this.copyProperties(object, properties, i + 1, copy);
      }
    }
    return object;
  }

  private copyProperties(
    object: object,
    properties: string[],
    from: number,
    copy: Record<string, unknown>,
  ): Record<string, unknown> {
    for (let i = from; i < properties.length; i++) {
      const plain = this.child((object as Record<string, unknown>)[properties[i]], properties[i]);
      if (plain !== NOTHING) copy[properties[i]] = plain;
    }
    return copy;
  }

  private classToPlain(instance: object): unknown {
    try {
      return this.instanceToPlain!(instance, this.transform);
    } catch (error) {
      if (error instanceof RangeError) {
        // class-transformer recursed without end: find the cycle among the instance's own properties to
        // name it, or report the depth when the cycle runs through exposed accessors.
        const finder = new PlainWalker(this.event, undefined, null, this.path());
        finder.walk(instance, '');
        return this.fail(tooDeepDetail(this.path()));
      }
      return this.fail(transformFailedDetail(this.path(), reasonOf(error)));
    }
  }
}

function isPlainObject(object: object): boolean {
  const prototype = Object.getPrototypeOf(object) as object | null;
  return prototype === null || prototype === Object.prototype;
}
