import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import { DialectRegistry } from '../../deliver/dialects/dialect.registry';
import { isEventName, patternsMatching } from '../../core/events/event-pattern.util';
import type {
  WebhookPayloadShaperDefinition,
  WebhookPayloadShaperFunction,
  WebhookPayloadTarget,
  WebhookShapeContext,
} from '../../options/payload-shaper.interface';
import { validateShaperOptions } from '../../options/payload-shaper.validation';
import { WEBHOOK_PAYLOAD_OPTIONS } from '../../core/payload.constants';
import {
  invalidShaperOptionMessage,
  reasonOf,
  requestScopedShaperMessage,
  shaperAsyncMessage,
  shaperForUnknownDialectMessage,
  shaperThrewMessage,
} from '../../options/payload.messages';
import { getOwnWebhookResourceName, getPayloadShaperMetadata, isWebhookPayload } from './payload.metadata';
import type { WebhookPayloadOptions } from '../../options/webhook-payload-options.interface';
import { WebhookPayloadError } from '../../core/errors/webhook-payload.error';
import { type ClassLike, isClassLike } from '../../core/util/class-like.util';

interface ShaperEntry {
  target: WebhookPayloadTarget;
  event?: string;
  dialects?: string[];
  shape: WebhookPayloadShaperFunction;
  /** How errors name it: `EmployeePayloads.summary`, `payloadShapers[0]`. */
  label: string;
  /** The option path for configuration errors. */
  option: string;
  /** Registration order: the last tie-breaker. */
  order: number;
}

interface Candidate {
  entry: ShaperEntry;
  /** 0 for the object's own class or resource name, 1 for its parent class ... */
  depth: number;
  /** 0 for the exact event name, 1 `noun.*`, 2 `*.verb`, 3 `*`; -1 for shapers without an event. */
  eventRank: number;
}

/**
 * Turns the object of an event into the payload to send, with the shapers registered in the module's
 * `payloadShapers` option, by `@WebhookPayloadShaper()` provider methods and through {@link add}.
 *
 * The priority, highest first (the more a shaper says about where it applies, the higher it ranks):
 * 1. a shaper for the object's type and the event, registered for the dialect;
 * 2. a shaper for the object's type and the event, for any dialect;
 * 3. the object itself, when its class is decorated `@WebhookPayload()`;
 * 4. a shaper for the object's type alone, registered for the dialect;
 * 5. a shaper for the object's type alone, for any dialect;
 * 6. the object itself.
 *
 * A shaper returning `undefined` passes to the next one. Within a level the nearest type wins (the
 * object's class or resource name before its ancestors'), then the most specific event, then the first
 * registered. Security checks apply to the original object, never to what a shaper returns.
 */
@Injectable()
export class PayloadShapers implements OnModuleInit {
  private readonly entries: ShaperEntry[] = [];
  private loaded = false;
  private sequence = 0;

  constructor(
    @Optional() @Inject(WEBHOOK_PAYLOAD_OPTIONS) private readonly options: WebhookPayloadOptions | undefined,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Optional() private readonly dialects?: DialectRegistry,
  ) {}

  onModuleInit(): void {
    this.load();
  }

  /**
   * Registers a shaper at runtime (after the configured ones, so it loses ties with them). Returns a
   * function that removes it again.
   */
  add<T = unknown>(definition: WebhookPayloadShaperDefinition<T>, label = 'PayloadShapers.add()'): () => void {
    this.load();
    const entry = this.entryFrom(definition, label, label);
    this.checkDialects(entry);
    this.entries.push(entry);
    return () => {
      const index = this.entries.indexOf(entry);
      if (index >= 0) this.entries.splice(index, 1);
    };
  }

  /** The payload to send for `object`, raised with `context.event` and sent with `context.dialect`. */
  shape(object: unknown, context: { event: string; dialect: string; resource?: string }): unknown {
    this.load();
    if (this.entries.length === 0) return object;
    const type = describeType(object, context.resource);
    const shapeContext: WebhookShapeContext = { event: context.event, dialect: context.dialect };
    if (type.resource !== undefined) shapeContext.resource = type.resource;

    const candidates: Candidate[] = [];
    for (const entry of this.entries) {
      const depth = type.depthOf(entry.target);
      if (depth === undefined) continue;
      if (entry.dialects && !entry.dialects.includes(context.dialect)) continue;
      const eventRank = entry.event === undefined ? -1 : rankEvent(entry.event, context.event);
      if (eventRank === undefined) continue;
      candidates.push({ entry, depth, eventRank });
    }
    if (candidates.length === 0) return object;
    candidates.sort((a, b) => a.depth - b.depth || a.eventRank - b.eventRank || a.entry.order - b.entry.order);

    const level = (withEvent: boolean, named: boolean) =>
      candidates.filter(
        (c) => (c.entry.event !== undefined) === withEvent && (c.entry.dialects !== undefined) === named,
      );
    for (const [withEvent, named] of [
      [true, true],
      [true, false],
    ] as const) {
      const shaped = this.firstAnswer(level(withEvent, named), object, shapeContext);
      if (shaped !== undefined) return shaped;
    }
    if (isWebhookPayload(object)) return object;
    for (const [withEvent, named] of [
      [false, true],
      [false, false],
    ] as const) {
      const shaped = this.firstAnswer(level(withEvent, named), object, shapeContext);
      if (shaped !== undefined) return shaped;
    }
    return object;
  }

  private firstAnswer(candidates: Candidate[], object: unknown, context: WebhookShapeContext): unknown {
    for (const { entry } of candidates) {
      let shaped: unknown;
      try {
        shaped = entry.shape(object, context);
      } catch (error) {
        if (error instanceof WebhookPayloadError) throw error;
        throw new WebhookPayloadError(
          shaperThrewMessage(entry.label, context.event, context.dialect, reasonOf(error)),
          context.event,
          undefined,
          { cause: error },
        );
      }
      if (isThenable(shaped)) {
        // Nobody will await it: keep a later rejection from becoming an unhandled one.
        Promise.resolve(shaped).catch(() => undefined);
        throw new WebhookPayloadError(shaperAsyncMessage(entry.label, context.event), context.event);
      }
      if (shaped !== undefined) return shaped;
    }
    return undefined;
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const configured = this.options?.payloadShapers;
      if (configured !== undefined && !Array.isArray(configured)) {
        throw new WebhooksConfigurationError(
          invalidShaperOptionMessage('payloadShapers', 'a list of payload shaper definitions', configured),
          'payloadShapers',
        );
      }
      (configured ?? []).forEach((definition, index) => {
        const option = `payloadShapers[${index}]`;
        this.entries.push(this.entryFrom(definition, option, option));
      });
      this.discoverMethods();
      for (const entry of this.entries) this.checkDialects(entry);
    } catch (error) {
      this.entries.length = 0;
      this.loaded = false;
      throw error;
    }
  }

  private entryFrom(definition: unknown, option: string, label: string): ShaperEntry {
    const normalized = validateShaperOptions(definition, option, true);
    return {
      target: normalized.for,
      event: normalized.event,
      dialects: normalized.dialect,
      shape: (definition as WebhookPayloadShaperDefinition).shape,
      label,
      option,
      order: this.sequence++,
    };
  }

  private discoverMethods(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as object | null | undefined;
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
      if (!prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[name];
        if (typeof method !== 'function') continue;
        const declared = getPayloadShaperMetadata(method);
        if (declared.length === 0) continue;
        const className = instance.constructor?.name ?? 'a provider';
        if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
          throw new WebhooksConfigurationError(requestScopedShaperMessage(className), className);
        }
        const label = `${className}.${name}`;
        // The decorator accepts methods only, and a shaper method takes the object and the context.
        const shaper = method as (this: object, object: unknown, context: WebhookShapeContext) => unknown;
        for (const options of declared) {
          this.entries.push({
            target: options.for,
            event: options.event,
            dialects: options.dialect,
            shape: (object, context) => shaper.call(instance, object, context),
            label,
            option: `@WebhookPayloadShaper() on ${label}`,
            order: this.sequence++,
          });
        }
      }
    }
  }

  private checkDialects(entry: ShaperEntry): void {
    if (!this.dialects || !entry.dialects) return;
    for (const name of entry.dialects) {
      if (!this.dialects.has(name)) {
        throw new WebhooksConfigurationError(
          shaperForUnknownDialectMessage(`${entry.option}.dialect`, name, this.dialects.names()),
          `${entry.option}.dialect`,
        );
      }
    }
  }
}

/** How an object's type is matched: its class chain and the resource names along it. */
function describeType(object: unknown, resource: string | undefined) {
  const chain: ClassLike[] = [];
  if (object !== null && object !== undefined) {
    // Object() boxes primitives, so that a shaper for String matches a string payload.
    let prototype = Object.getPrototypeOf(Object(object)) as object | null;
    while (prototype) {
      const constructor = Object.prototype.hasOwnProperty.call(prototype, 'constructor')
        ? (prototype as { constructor: unknown }).constructor
        : undefined;
      if (isClassLike(constructor)) chain.push(constructor);
      prototype = Object.getPrototypeOf(prototype) as object | null;
    }
  }
  const names = new Map<string, number>();
  if (resource !== undefined) names.set(resource, 0);
  chain.forEach((constructor, depth) => {
    const name = getOwnWebhookResourceName(constructor);
    if (name !== undefined && !names.has(name)) names.set(name, depth);
  });
  return {
    resource: resource ?? names.keys().next().value,
    depthOf(target: WebhookPayloadTarget): number | undefined {
      if (typeof target === 'string') return names.get(target);
      const depth = chain.findIndex((constructor) => constructor === target);
      return depth < 0 ? undefined : depth;
    },
  };
}

/** How specifically an event pattern matches the event, or `undefined` when it does not. */
function rankEvent(pattern: string, event: string): number | undefined {
  if (pattern === event) return 0;
  if (pattern === '*') return 3;
  if (!isEventName(event)) return undefined;
  const rank = patternsMatching(event).indexOf(pattern);
  return rank < 0 ? undefined : rank;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
