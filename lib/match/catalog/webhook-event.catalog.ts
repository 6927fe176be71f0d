import { Inject, Injectable, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { WebhookEventMetadata } from '../../core/metadata/webhook-event.metadata';
import { resourceOf, type WebhookResourceEvent } from '../../core/metadata/webhook-resource.metadata';
import { WebhookValidationError } from '../../core/errors/webhooks.errors';
import { type ClassLike, isClassLike } from '../../core/util/class-like.util';
import { isEventName, patternMatches } from '../../core/events/event-pattern.util';
import { WEBHOOKS_DATA_SOURCE, WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import { unknownEventTypeReason } from './catalog.messages';
import { schemaOfClass } from './class-schema.builder';
import { PayloadSchemaValidator } from './payload-schema.validator';
import { exampleOfSchema } from './schema-example.util';
import {
  buildWebhooksOpenApi,
  type WebhooksOpenApiDocument,
  type WebhooksOpenApiOptions,
  type WebhooksOpenApiParts,
} from './webhooks-openapi.builder';
import type { WebhookEventType, WebhookEventTypeSource } from '../../options/event-type.interface';

/** What a declaration may say of an event type. */
interface Declaration {
  description?: string;
  schema?: Record<string, unknown>;
  payloadType?: ClassLike | (abstract new (...args: never[]) => unknown);
  example?: unknown;
  validate?: 'off' | 'strict';
}

/** What the declarations of one event type said, the first of each winning. */
interface Declared extends Declaration {
  sources: WebhookEventTypeSource[];
}

/** An event a provider method raises, for the catalog. */
export interface DiscoveredWebhookEvent extends WebhookEventMetadata {
  /** `ClassName.method`. */
  source: string;
}

const RESOURCE_EVENTS: readonly WebhookResourceEvent[] = ['create', 'update', 'delete'];
const PAST: Record<WebhookResourceEvent, string> = { create: 'created', update: 'updated', delete: 'deleted' };

/** `A contact was created.`, or the resource's own description followed by what happened to it. */
const resourceEventDescription = (name: string, verb: WebhookResourceEvent, description?: string): string =>
  description ? `${description} (${PAST[verb]})` : `A ${name} was ${PAST[verb]}.`;

/**
 * The event-type catalog: every event name the application can raise, so that subscribers can see what
 * they may subscribe to. It gathers, in this order of precedence for descriptions and schemas,
 * `forRoot({ eventTypes })`, the `@WebhookEvent` methods of singleton providers, the `@WebhookResource`
 * entities of the module's data source (`<name>.create/update/delete`), and the event names (not patterns)
 * of static subscriptions.
 *
 * With `strictEventTypes`, {@link WebhookSubscriptions} refuses event patterns that match no cataloged
 * event, in the programmatic API and the admin API alike.
 */
@Injectable()
export class WebhookEventCatalog implements OnApplicationBootstrap {
  private cached?: Map<string, WebhookEventType>;
  private bootstrapped = false;
  private readonly discovered: DiscoveredWebhookEvent[] = [];
  private readonly validators = new Map<string, PayloadSchemaValidator>();

  constructor(
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    // The entities of the module's data source, for their @WebhookResource events; none with memory storage.
    @Optional() @Inject(WEBHOOKS_DATA_SOURCE) private readonly dataSource?: DataSource,
  ) {}

  /** Adds the events found on `@WebhookEvent` provider methods (the explorer calls it at startup). */
  addDiscovered(events: readonly DiscoveredWebhookEvent[]): void {
    this.discovered.push(...events);
    this.cached = undefined;
  }

  /** Whether subscribing to an unknown event is refused (`strictEventTypes`). */
  get strict(): boolean {
    return this.options.strictEventTypes;
  }

  onApplicationBootstrap(): void {
    // Providers and entities are all known now; until then every read gathers afresh.
    this.bootstrapped = true;
    this.cached = undefined;
    this.validators.clear();
    // Compiled now, so that a schema ajv refuses (or ajv missing) fails the startup, not the first dispatch.
    for (const type of this.entries().values()) if (type.validated) this.validatorOf(type);
  }

  /**
   * Checks a payload against its event's schema when the event type is validated (`payloadValidation:
   * 'strict'` or its own `validate: 'strict'`); does nothing otherwise.
   *
   * @throws WebhookPayloadSchemaError naming the first path that does not match (`payload.address.zip`).
   */
  assertPayload(event: string, payload: unknown): void {
    const type = this.entries().get(event);
    if (type?.validated) this.validatorOf(type).assert(payload);
  }

  /**
   * The `webhooks` section of an OpenAPI 3.1 document describing what the application sends (one entry per
   * cataloged event type) and the `components.schemas` it references: merge them into your own document
   * (see `addWebhooksToDocument`).
   */
  openApiWebhooks(options: WebhooksOpenApiOptions = {}): WebhooksOpenApiParts {
    return buildWebhooksOpenApi(this.list(), options);
  }

  /** A standalone OpenAPI 3.1 document of the webhooks the application sends. */
  openApiDocument(options: WebhooksOpenApiOptions = {}): WebhooksOpenApiDocument {
    return {
      openapi: '3.1.0',
      info: { title: options.title ?? 'Webhooks', version: options.version ?? '1.0.0' },
      ...this.openApiWebhooks(options),
    };
  }

  private validatorOf(type: WebhookEventType): PayloadSchemaValidator {
    let validator = this.validators.get(type.name);
    if (!validator) this.validators.set(type.name, (validator = new PayloadSchemaValidator(type.name, type.schema!)));
    return validator;
  }

  /** Every cataloged event type, by name. */
  list(): WebhookEventType[] {
    return [...this.entries().values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The event type named `name`, if cataloged. */
  get(name: string): WebhookEventType | undefined {
    return this.entries().get(name);
  }

  /** Whether `name` is a cataloged event name. */
  has(name: string): boolean {
    return this.entries().has(name);
  }

  /** Whether the pattern (`contact.create`, `contact.*`, `*.delete`, `*`) matches at least one cataloged event. */
  accepts(pattern: string): boolean {
    const entries = this.entries();
    if (isEventName(pattern)) return entries.has(pattern);
    for (const name of entries.keys()) if (patternMatches(pattern, name)) return true;
    return false;
  }

  /**
   * When the catalog is strict, throws a {@link WebhookValidationError} naming `field[i]` for the first
   * pattern that matches no cataloged event. Does nothing otherwise.
   */
  assertAccepts(patterns: readonly string[], field = 'events'): void {
    if (!this.strict) return;
    patterns.forEach((pattern, index) => {
      if (!this.accepts(pattern))
        throw new WebhookValidationError(
          `${field}[${index}]`,
          unknownEventTypeReason([...this.entries().keys()].sort()),
        );
    });
  }

  private entries(): Map<string, WebhookEventType> {
    if (this.cached) return this.cached;
    const entries = this.gather();
    if (this.bootstrapped) this.cached = entries;
    return entries;
  }

  private gather(): Map<string, WebhookEventType> {
    const declared = new Map<string, Declared>();
    const add = (name: string, source: WebhookEventTypeSource, declaration: Declaration = {}) => {
      let entry = declared.get(name);
      if (!entry) declared.set(name, (entry = { sources: [] }));
      if (!entry.sources.includes(source)) entry.sources.push(source);
      // The first one to say something wins, in the order of precedence.
      for (const key of ['description', 'schema', 'payloadType', 'example', 'validate'] as const) {
        if (entry[key] === undefined && declaration[key] !== undefined && declaration[key] !== '') {
          (entry as unknown as Record<string, unknown>)[key] = declaration[key];
        }
      }
    };
    for (const type of this.options.eventTypes) add(type.name, 'option', type);
    for (const event of this.discovered) add(event.name, `event:${event.source}`, event.options);
    for (const target of this.resourceClasses()) {
      const resource = resourceOf(target);
      if (!resource) continue;
      for (const verb of resource.options.events ?? RESOURCE_EVENTS) {
        add(`${resource.name}.${verb}`, `resource:${resource.name}`, {
          description: resourceEventDescription(resource.name, verb, resource.options.description),
        });
      }
    }
    for (const subscription of this.options.subscriptions) {
      for (const pattern of subscription.events) if (isEventName(pattern)) add(pattern, 'subscription');
    }
    const entries = new Map<string, WebhookEventType>();
    for (const [name, entry] of declared) {
      const schema = entry.schema ?? (entry.payloadType ? schemaOfClass(entry.payloadType) : null);
      entries.set(name, {
        name,
        description: entry.description ?? null,
        schema,
        example: entry.example !== undefined ? entry.example : schema ? exampleOfSchema(schema) : null,
        validated: schema !== null && (entry.validate ?? this.options.payloadValidation) === 'strict',
        sources: entry.sources,
      });
    }
    return entries;
  }

  private resourceClasses(): ClassLike[] {
    const classes = new Set<ClassLike>();
    for (const metadata of this.dataSource?.entityMetadatas ?? []) {
      if (isClassLike(metadata.target)) classes.add(metadata.target);
    }
    return [...classes];
  }
}
