import type { FactoryProvider, ModuleMetadata, Type } from '@nestjs/common';
import type { DataSourceOptions, EntityManager } from 'typeorm';
import type { WebhookResolver } from '../core/security/destination.interface';
import type { WebhookPayloadOptions } from './webhook-payload-options.interface';
import type { StaticSubscriptionOptions } from './static-subscription.interface';
import type { WebhookAuthorizationOptions } from './authorization.options';
import type { WebhookTransport } from './webhook-transport.interface';
import type { WebhooksAdminOptions } from './webhooks-admin-options.interface';
import type { WebhookEventTypeDefinition } from './event-type.interface';
import type { WebhookRetryOptions } from '../core/retry/retry.policy';
import type { WebhookSecretsOptions } from './signing.options';
import type { WebhooksOperationsOptions } from './operations.options';

/**
 * Where destination URLs may point. By default only public HTTPS destinations: every address a host resolves
 * to must be public (no loopback, private, link-local, cloud metadata, ...), checked when a subscription is
 * created or changed and again before every try, and the connection goes to the checked address.
 */
export interface WebhookTargetOptions {
  /**
   * Accept `http:` targets (development and tests only).
   * @default false
   */
  allowHttp?: boolean;
  /**
   * Allow loopback, private (RFC 1918), CGNAT and unique-local addresses (development, internal services).
   * Link-local and cloud metadata addresses stay blocked unless listed in `allowedCidrs`.
   * @default false
   */
  allowPrivateNetworks?: boolean;
  /**
   * Address ranges (`10.1.0.0/16`, `fd00::/8`, or single addresses) allowed whatever their kind.
   * @default []
   */
  allowedCidrs?: string[];
  /**
   * Resolves host names (tests replace it).
   * @default dns.promises.lookup(host, { all: true, verbatim: true })
   */
  resolver?: WebhookResolver;
  /**
   * Time (ms) allowed for resolving a host before the try fails as unverifiable.
   * @default 5000
   */
  lookupTimeout?: number;
}

/** How the in-memory subscription index stays in step with the database. */
export interface WebhookRegistryOptions {
  /**
   * How often (ms) the index checks the database's registry version before matching. `0` checks before
   * every match, so a subscription committed on any instance before an event is raised always receives
   * it. A positive value bounds how long another instance's change may go unseen, saving a query per event.
   * @default 0
   */
  syncInterval?: number;
  /**
   * How long (ms) change records are kept for other instances to catch up incrementally; an instance
   * that falls further behind reloads the whole index.
   * @default 3_600_000 (one hour)
   */
  changeRetention?: number;
}

/**
 * Retention of the delivery history by age, beside the count limit (`attemptLimit`): resolved attempts
 * older than `maxAge` are deleted in small batches by every instance, pending ones never.
 */
export interface WebhookHistoryOptions {
  /**
   * How long (ms) a resolved (successful or failed) attempt is kept after it was resolved; `null` keeps
   * it until the count limit drops it. Pending attempts are never dropped, however old.
   * @default null
   */
  maxAge?: number | null;
  /**
   * How often (ms) each instance deletes the attempts past `maxAge`.
   * @default 60_000 (one minute)
   */
  interval?: number;
  /**
   * Attempts deleted per statement: each batch is one short transaction, so that the deletion never
   * holds locks for long; batches follow one another until none is left.
   * @default 500
   */
  batchSize?: number;
}

/** How the delivery engine sends. */
export interface WebhookDeliveryOptions {
  /**
   * Run the delivery engine on this instance. Instances with `false` still write outbox rows; others send them.
   * @default true
   */
  enabled?: boolean;
  /**
   * HTTP tries in flight at once on this instance.
   * @default 64
   */
  concurrency?: number;
  /**
   * How often (ms) the engine looks for due attempts that no instance holds (left by a crash, or retries).
   * Committed events do not wait for it: they are sent as soon as their transaction commits.
   * @default 1000
   */
  pollInterval?: number;
  /**
   * Attempts claimed per poll.
   * @default 100
   */
  batchSize?: number;
  /**
   * How long (ms) an instance holds the attempts it sends; held ones are renewed while they wait. After a
   * crash, another instance sends them once this has passed.
   * @default 60000
   */
  leaseDuration?: number;
  /**
   * Time (ms) one HTTP try may wait for the response's head, and then between two parts of its body; a
   * body still arriving after twice this time is cut off (the try fails).
   * @default 15000
   */
  timeout?: number;
  /**
   * Time (ms) to establish the connection (TCP and TLS).
   * @default 5000
   */
  connectTimeout?: number;
  /**
   * Response body bytes kept in the attempt record; the rest is not read.
   * @default 8192
   */
  maxResponseBodyBytes?: number;
  /**
   * On shutdown, how long (ms) to let tries in flight finish; the rest stay pending for another instance.
   * @default 10000
   */
  shutdownTimeout?: number;
  /**
   * The transport: `'undici'` (keep-alive pools, the default), `'axios'` (the application's `@nestjs/axios`
   * HttpService, for its interceptors; about a third of the throughput, see bench/README.md), or a
   * {@link WebhookTransport} instance of your own (e.g. the in-memory transport of `nestjs-webhooks/testing`),
   * which the module closes at shutdown.
   * @default 'undici'
   */
  transport?: 'undici' | 'axios' | WebhookTransport;
  /**
   * What a failed attempt with an ordering key (`orderingKey`, see docs/ordering.md) does to the later ones
   * of its key and subscription: `'skip'` — nothing, the next one goes on; `'block'` — they wait until the
   * failed one is replayed or retried and delivered, or until the subscription is changed (updated).
   * @default 'skip'
   */
  orderedFailure?: 'skip' | 'block';
}

/** Options of the circuit breakers (`breaker`). A failed try: no answer, or a 429 or 5xx answer. */
export interface WebhookBreakerOptions {
  /** Failed tries in a row to one host that open its breaker (1 to 10 000). @default 5 */
  consecutiveFailures?: number;
  /** Share of failed tries within `window` that opens it (0 < r ≤ 1); none by default. @default undefined */
  failureRatio?: number;
  /** The failure-ratio window (ms). @default 60000 */
  window?: number;
  /** Tries within the window before `failureRatio` counts. @default 20 */
  minimumTries?: number;
  /** How long (ms) an open breaker lets no try through before one probe. @default 30000 */
  coolDown?: number;
}

/** A source of the current time, replaceable in tests. */
export interface WebhookClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Options of {@link WebhooksModule.forRoot}. */
export interface WebhooksModuleOptions extends WebhookPayloadOptions {
  /**
   * Register the module globally, so that its services can be injected everywhere.
   * @default true
   */
  isGlobal?: boolean;
  /**
   * The name of the application's TypeORM data source that stores subscriptions and attempts. Events
   * raised in its transactions are delivered only when they commit.
   * @default 'default'
   */
  dataSource?: string;
  /**
   * Instead of an application data source: options of a data source the module opens for itself (named
   * `webhooks`), with its entities and migrations applied, e.g. `{ type: 'better-sqlite3', database:
   * 'webhooks.sqlite' }`. Its writes cannot share the application's transactions.
   * @default undefined
   */
  database?: DataSourceOptions;
  /**
   * Where subscriptions and their delivery attempts are kept: `'typeorm'`, the application's database
   * through TypeORM (the transactional outbox: an event is delivered when its transaction commits, and after
   * a crash); or `'memory'`, for applications without a database and for tests — nothing survives a restart.
   * @default 'typeorm'
   */
  storage?: 'typeorm' | 'memory';
  /**
   * Static subscriptions, declared here: without `persistent` they belong to the configuration (set afresh
   * at every start); with `persistent: true` they are created once and then managed at runtime.
   * @default []
   */
  subscriptions?: StaticSubscriptionOptions[];
  /**
   * Resolved attempts kept per subscription (pending ones are never dropped; the oldest resolved go
   * first). A subscription whose kept history is all failures is deactivated.
   * @default 50
   */
  attemptLimit?: number;
  /** Retention of the delivery history by age (`{ maxAge }`), beside the count limit `attemptLimit`. */
  history?: WebhookHistoryOptions;
  /** Where targets may point. */
  targets?: WebhookTargetOptions;
  /** The subscription index. */
  registry?: WebhookRegistryOptions;
  /** The delivery engine. */
  delivery?: WebhookDeliveryOptions;
  /**
   * A circuit breaker per target host (`host:port`), shared by every instance: it opens after
   * `consecutiveFailures` failed tries in a row (or `failureRatio` of the tries within `window`); while open no
   * tries are made to the host — its attempts wait, neither failed nor counted as failures — and after
   * `coolDown` one probe goes: a success closes it, a failure opens it again. See docs/delivery-control.md.
   * @default undefined (no breaker)
   */
  breaker?: WebhookBreakerOptions;
  /**
   * Returns the EntityManager of the application's transaction in progress, if any, so that events raised
   * inside it are written into it (and sent only if it commits). `@nestjs-cls/transactional` with its TypeORM
   * adapter is recognised without this option.
   * @default undefined
   */
  transactionManager?: () => EntityManager | undefined;
  /**
   * Event patterns of `@nestjs/event-emitter` events to turn into webhook events (the payload is the event's
   * first argument), e.g. `['order.*']`.
   * @default []
   */
  eventEmitter?: string[];
  /**
   * The clock; tests replace it to control time.
   * @default Date.now
   */
  clock?: WebhookClock;
  /** Owner and permission checks, precondition-failure limit, removal of a principal's subscriptions (docs/security.md). */
  authorization?: WebhookAuthorizationOptions;
  /**
   * Largest request body (bytes, UTF-8) an event may render to; a larger one fails `dispatch` with
   * `WebhookPayloadTooLargeError` before anything is stored.
   * @default 262144 (256 KiB)
   */
  maxPayloadBytes?: number;
  /**
   * The admin HTTP API (subscriptions, REST Hooks, attempts, event types), off unless given. Requires
   * `guards` and a `principal` resolver. See docs/admin-api.md.
   * @default undefined (no admin routes)
   */
  admin?: WebhooksAdminOptions;
  /**
   * Event types for the catalog, besides those found on `@WebhookEvent` methods, `@WebhookResource`
   * entities and static subscriptions: names with a description and an optional JSON schema of the payload.
   * @default []
   */
  eventTypes?: WebhookEventTypeDefinition[];
  /**
   * Refuse subscriptions to event patterns that match no cataloged event type (a 400 in the admin API, a
   * `WebhookValidationError` naming `events[i]` in `WebhookSubscriptions`).
   * @default false
   */
  strictEventTypes?: boolean;
  /**
   * `'strict'`: the payload of every event type with a schema (`eventTypes[].schema` or `payloadType`,
   * `@WebhookEvent({ schema })`) is checked against it when raised; one that does not match fails `dispatch`
   * with `WebhookPayloadSchemaError` (a 400 naming the path, `payload.address.zip must be string`) before
   * anything is stored, inside the caller's transaction. Needs the optional peer `ajv`. An event type's own
   * `validate` overrides it.
   * @default 'off'
   */
  payloadValidation?: 'off' | 'strict';
  /**
   * Signing secrets: encryption at rest (`encryptionKeys`), the rotation overlap, the kind generated for
   * new subscriptions (`hmac` → `v1` signatures, `ed25519` → `v1a`).
   * @default { encryptionKeys: [], rotationOverlap: 86_400_000, defaultKind: 'hmac' }
   */
  secrets?: WebhookSecretsOptions;
  /**
   * How failed tries are retried (subscriptions may override the policy part) and how throttling
   * answers (429, 502, 503, 504, `Retry-After`) are honoured. See docs/retries.md.
   * @default { attempts: 8, firstDelay: 5_000, factor: 6, maxDelay: 36_000_000, jitter: 0.2, maxRetryAfter: 3_600_000, throttlePause: 60_000 }
   */
  retry?: WebhookRetryOptions;
  /**
   * Operations: metrics and traces through `@opentelemetry/api` (when installed), the health indicator's
   * backlog thresholds, operational events as webhooks. See docs/operations.md.
   * @default { metrics: true, tracing: true, propagateTraceContext: false, subscriptionLabels: false, backlog: { maxDue: 10_000, maxOldestDueAgeMs: 300_000, checkInterval: 60_000 }, webhooks: false }
   */
  operations?: WebhooksOperationsOptions;
}

/** A class that builds the module options (for `forRootAsync({ useClass })`). */
export interface WebhooksOptionsFactory {
  createWebhooksOptions(): Promise<WebhooksModuleOptions> | WebhooksModuleOptions;
}

/** Options that must be known when the module is defined, before any provider runs. */
export type WebhooksStaticOptions = Pick<
  WebhooksModuleOptions,
  'isGlobal' | 'dataSource' | 'database' | 'admin' | 'storage'
>;

/** Options of {@link WebhooksModule.forRootAsync}. */
export interface WebhooksModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, WebhooksStaticOptions {
  /** A factory returning the options. */
  useFactory?: FactoryProvider<WebhooksModuleOptions>['useFactory'];
  /** Providers injected into `useFactory`. */
  inject?: FactoryProvider['inject'];
  /** A class implementing {@link WebhooksOptionsFactory}, instantiated by the module. */
  useClass?: Type<WebhooksOptionsFactory>;
  /** An existing provider implementing {@link WebhooksOptionsFactory}. */
  useExisting?: Type<WebhooksOptionsFactory>;
}
