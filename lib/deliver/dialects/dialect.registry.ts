import { Inject, Injectable, type OnModuleInit, Optional, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { WebhooksConfigurationError, WebhookValidationError } from '../../core/errors/webhooks.errors';
import { WEBHOOK_PAYLOAD_OPTIONS } from '../../core/payload.constants';
import {
  envelopeFailedMessage,
  reasonOf,
  serializeFailedMessage,
  serializeNotTextMessage,
} from '../../options/payload.messages';
import { serializeJsonPayload, toPlainPayload } from './payload.serializer';
import type { WebhookPayloadOptions } from '../../options/webhook-payload-options.interface';
import { WebhookPayloadError } from '../../core/errors/webhook-payload.error';
import { DefaultWebhookDialect } from './default.dialect';
import {
  validateDialect,
  validateDialectDefinition,
  headerNameProblem,
  headerValueProblem,
  normalizeMethod,
  normalizeStaticHeaders,
} from '../../options/dialect-definition.validation';
import {
  ALWAYS_SENSITIVE_HEADERS,
  DEFAULT_CONTENT_TYPE,
  RESERVED_DIALECT_HEADERS,
  STANDARD_DIALECT,
} from '../../core/dialect.constants';
import { getWebhookDialectMetadata } from './dialect.metadata';
import { type ClassLike, isClassLike } from '../../core/util/class-like.util';
import {
  computedHeadersFailedMessage,
  dialectClassNeedsInjectionMessage,
  dialectNameMismatchMessage,
  duplicateDialectMessage,
  invalidComputedHeaderMessage,
  invalidDialectOptionMessage,
  requestScopedDialectMessage,
  unknownDialectReason,
} from '../../options/dialect.messages';
import { StandardWebhookDialect } from './standard.dialect';
import { WEBHOOKS_USER_AGENT } from './user-agent.util';
import { WebhookDialectError } from '../../core/errors/webhook-dialect.error';
import type {
  RenderedWebhookBody,
  WebhookDialect,
  WebhookDialectDefinition,
  WebhookDialectRequest,
  WebhookRenderContext,
  WebhookTryContext,
} from '../../options/webhook-dialect.interface';

interface RegisteredDialect {
  dialect: WebhookDialect;
  /** Where it came from, for error messages (`dialects[2]`, `@WebhookDialect('acme') on AcmeDialect`). */
  source: string;
  /** The class it is an instance of, to recognise the same class met twice. */
  type?: ClassLike;
}

/**
 * The dialects known to the application: the built-in `default` and `standard` ones, those listed in
 * the module's `dialects` option and the providers decorated `@WebhookDialect('name')`. The sender asks
 * it for a subscription's dialect, the body and the request of each try.
 *
 * Everything is validated at startup; a mistake throws a {@link WebhooksConfigurationError} naming the
 * option (`dialects[2].method`) or the class.
 */
@Injectable()
export class DialectRegistry implements OnModuleInit {
  private readonly dialects = new Map<string, RegisteredDialect>();
  private loaded = false;

  constructor(
    @Optional() @Inject(WEBHOOK_PAYLOAD_OPTIONS) private readonly options: WebhookPayloadOptions | undefined,
    private readonly discovery: DiscoveryService,
  ) {}

  onModuleInit(): void {
    this.load();
  }

  /** The dialect of that name, or `undefined`. */
  get(name: string): WebhookDialect | undefined {
    this.load();
    return this.dialects.get(name)?.dialect;
  }

  /** Whether a dialect of that name is registered. */
  has(name: string): boolean {
    this.load();
    return this.dialects.has(name);
  }

  /** The registered names, built-in ones first. */
  names(): string[] {
    this.load();
    return [...this.dialects.keys()];
  }

  /**
   * Throws a {@link WebhookValidationError} on `field` when no dialect has that name (subscriptions are
   * checked with it when they are created or changed).
   */
  assertKnown(name: string, field = 'dialect'): void {
    if (!this.has(name)) throw new WebhookValidationError(field, unknownDialectReason(this.names()));
  }

  /**
   * Renders the body once, when the event is raised: the shaped payload is turned into plain data
   * (class-transformer for class instances, dates as ISO 8601), wrapped in the dialect's envelope and
   * serialized. Throws a {@link WebhookPayloadError} naming the event when that cannot be done.
   */
  renderBody(dialect: WebhookDialect, shaped: unknown, context: WebhookRenderContext): RenderedWebhookBody {
    const plain = toPlainPayload(shaped, { event: context.event, transform: dialect.transform });
    let enveloped = plain;
    if (dialect.envelope) {
      try {
        enveloped = dialect.envelope(plain, context);
      } catch (error) {
        throw wrapPayloadError(error, context.event, (reason) =>
          envelopeFailedMessage(dialect.name, context.event, reason),
        );
      }
    }
    let body: unknown;
    if (dialect.serialize) {
      try {
        body = dialect.serialize(enveloped, context);
      } catch (error) {
        throw wrapPayloadError(error, context.event, (reason) =>
          serializeFailedMessage(dialect.name, context.event, reason),
        );
      }
      if (typeof body !== 'string') {
        throw new WebhookPayloadError(serializeNotTextMessage(dialect.name, context.event, body), context.event);
      }
    } else {
      body = serializeJsonPayload(enveloped, { event: context.event, root: 'body' });
    }
    return { body: body as string, contentType: dialect.contentType ?? DEFAULT_CONTENT_TYPE };
  }

  /**
   * The method and headers of one try: `content-type`, `user-agent` and the dialect's headers (computed
   * ones are computed now), names in lower case. The sender adds the `webhook-*` headers after. Throws a
   * {@link WebhookDialectError} when computed headers cannot be sent.
   */
  requestFor(dialect: WebhookDialect, context: WebhookTryContext): WebhookDialectRequest {
    const headers: Record<string, string> = {
      'content-type': dialect.contentType ?? DEFAULT_CONTENT_TYPE,
      'user-agent': dialect.userAgent ?? WEBHOOKS_USER_AGENT,
    };
    Object.assign(headers, this.dialectHeaders(dialect, context));
    const sensitive = new Set(ALWAYS_SENSITIVE_HEADERS);
    for (const name of dialect.sensitiveHeaders ?? []) sensitive.add(name.toLowerCase());
    return {
      method: dialect.method ? normalizeMethod(dialect.method, `${dialect.name}.method`) : 'POST',
      headers,
      sensitiveHeaders: [...sensitive],
    };
  }

  private dialectHeaders(dialect: WebhookDialect, context: WebhookTryContext): Record<string, string> {
    const declared = dialect.headers;
    if (declared === undefined) return {};
    if (typeof declared !== 'function') return normalizeStaticHeaders(declared, `${dialect.name}.headers`);
    let computed: Readonly<Record<string, string | undefined>>;
    try {
      computed = declared.call(dialect, context);
    } catch (error) {
      throw new WebhookDialectError(computedHeadersFailedMessage(dialect.name, reasonOf(error)), dialect.name, {
        cause: error,
      });
    }
    if (typeof computed !== 'object' || computed === null || Array.isArray(computed)) {
      throw new WebhookDialectError(
        computedHeadersFailedMessage(
          dialect.name,
          'its headers() function must return an object of header names to strings',
        ),
        dialect.name,
      );
    }
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(computed)) {
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      const problem =
        headerNameProblem(name) ??
        (RESERVED_DIALECT_HEADERS.includes(lower)
          ? 'is reserved (set by the sender or by another dialect option)'
          : undefined) ??
        (lower in result ? 'is given twice (header names are case-insensitive)' : undefined) ??
        headerValueProblem(value);
      if (problem)
        throw new WebhookDialectError(invalidComputedHeaderMessage(dialect.name, name, problem), dialect.name);
      result[lower] = value;
    }
    return result;
  }

  /** Registers everything once; idempotent, and run on first use too so that order of init does not matter. */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      this.register(new DefaultWebhookDialect(), 'the built-in default dialect', DefaultWebhookDialect);
      this.register(new StandardWebhookDialect(), 'the built-in standard dialect', StandardWebhookDialect);
      const providers = this.discoverProviders();
      this.registerOptions(providers);
      for (const [type, instance] of providers) {
        if (!getWebhookDialectMetadata(type)) continue;
        this.registerClassInstance(
          instance as WebhookDialect,
          type,
          `@WebhookDialect('${getWebhookDialectMetadata(type)!.name}') on ${type.name}`,
        );
      }
    } catch (error) {
      // A failed load must fail again on the next call rather than leave a half-filled registry.
      this.dialects.clear();
      this.loaded = false;
      throw error;
    }
  }

  private registerOptions(providers: Map<ClassLike, unknown>): void {
    const list = this.options?.dialects;
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      throw new WebhooksConfigurationError(
        invalidDialectOptionMessage('dialects', 'a list of dialect definitions or dialect classes', list),
        'dialects',
      );
    }
    list.forEach((entry: WebhookDialectDefinition | Type<WebhookDialect>, index) => {
      const option = `dialects[${index}]`;
      if (typeof entry === 'function') {
        const provided = providers.get(entry);
        if (provided) {
          // Registered below with the other providers, once.
          if (!getWebhookDialectMetadata(entry)) this.registerClassInstance(provided as WebhookDialect, entry, option);
          return;
        }
        const parameters =
          (Reflect.getMetadata('design:paramtypes', entry) as unknown[] | undefined)?.length ?? entry.length;
        if (parameters > 0) {
          throw new WebhooksConfigurationError(dialectClassNeedsInjectionMessage(option, entry.name), option);
        }
        this.registerClassInstance(new entry(), entry, option);
        return;
      }
      const definition = validateDialectDefinition(entry, option);
      this.register(dialectFromDefinition(definition), option);
    });
  }

  private registerClassInstance(dialect: WebhookDialect, type: ClassLike, source: string): void {
    const decorated = getWebhookDialectMetadata(type)?.name;
    if (decorated !== undefined && dialect.name !== decorated) {
      if (dialect.name !== undefined) {
        throw new WebhooksConfigurationError(dialectNameMismatchMessage(type.name, decorated, dialect.name), source);
      }
      Object.defineProperty(dialect, 'name', { value: decorated, enumerable: true });
    }
    this.register(dialect, source, type);
  }

  private register(dialect: WebhookDialect, source: string, type?: ClassLike): void {
    const fromOptions = source.startsWith('dialects[');
    validateDialect(dialect, fromOptions ? source : (type?.name ?? source));
    // Options are named down to the field at fault; classes by the class.
    const label = fromOptions ? `${source}.name` : source;
    const previous = this.dialects.get(dialect.name);
    if (previous) {
      // The same class met twice (listed in options and provided, or provided by two modules): one dialect.
      if (type && previous.type === type) return;
      throw new WebhooksConfigurationError(duplicateDialectMessage(dialect.name, label, previous.source), label);
    }
    this.dialects.set(dialect.name, { dialect, source: label, type });
  }

  /** Singleton provider instances by class; request-scoped dialects are refused. */
  private discoverProviders(): Map<ClassLike, unknown> {
    const found = new Map<ClassLike, unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.isAlias) continue;
      const type = classOf(wrapper);
      if (!type) continue;
      const listed = Array.isArray(this.options?.dialects) && this.options.dialects.some((entry) => entry === type);
      if (!getWebhookDialectMetadata(type) && !listed) continue;
      if (type === DefaultWebhookDialect || type === StandardWebhookDialect) continue;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        throw new WebhooksConfigurationError(requestScopedDialectMessage(type.name), type.name);
      }
      if (!found.has(type)) found.set(type, wrapper.instance);
    }
    return found;
  }
}

function classOf(wrapper: InstanceWrapper): ClassLike | undefined {
  const instance = wrapper.instance as { constructor?: unknown } | undefined | null;
  if (instance && typeof instance === 'object' && isClassLike(instance.constructor)) return instance.constructor;
  if (!wrapper.isFactory && isClassLike(wrapper.metatype)) return wrapper.metatype;
  return undefined;
}

/** A dialect built from a plain definition on top of the built-in dialect it extends. */
function dialectFromDefinition(definition: WebhookDialectDefinition): WebhookDialect {
  const base = definition.extends === STANDARD_DIALECT ? new StandardWebhookDialect() : new DefaultWebhookDialect();
  const overrides: PropertyDescriptorMap = { name: { value: definition.name, enumerable: true } };
  for (const key of [
    'method',
    'contentType',
    'userAgent',
    'headers',
    'sensitiveHeaders',
    'transform',
    'envelope',
    'serialize',
  ] as const) {
    if (definition[key] === undefined) continue;
    const value = key === 'method' ? normalizeMethod(definition.method, key) : definition[key];
    overrides[key] = { value, enumerable: true };
  }
  return Object.defineProperties(base, overrides);
}

function wrapPayloadError(error: unknown, event: string, message: (reason: string) => string): WebhookPayloadError {
  if (error instanceof WebhookPayloadError) return error;
  return new WebhookPayloadError(message(reasonOf(error)), event, undefined, { cause: error });
}
