import { type DynamicModule, type INestApplicationContext, type LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken, TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import type { DataSource, EntityManager } from 'typeorm';
import {
  WEBHOOK_MIGRATIONS,
  WEBHOOKS_EVENT_EMITTER,
  WebhookDeliveryAttempt,
  WebhookDispatcher,
  WebhookRegistry,
  WebhookSubscription,
  WebhookSubscriptions,
  WebhooksModule,
  type WebhooksModuleOptions,
} from '../../lib';
import type { WebhookSubscriptionFields } from '../../lib/entities/webhook-subscription.entity';
import { ACTIVE_STATUS_MESSAGE } from '../../lib/core/messages/status.messages';
import { DeliveryEngine } from '../../lib/deliver/delivery.engine';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../../lib/stores/attempt-store.interface';
import {
  WEBHOOK_SUBSCRIPTION_STORE,
  type WebhookSubscriptionStore,
} from '../../lib/stores/subscription-store.interface';
import { chunks } from '../../lib/core/util/chunks.util';
import { newId } from '../../lib/core/util/ids.util';
import { CompletionTracker } from './completions';
import { type BenchDatabaseKind, type BenchSqliteSettings, isolatedDatabase, type IsolatedDatabase } from './databases';
import { Mutex } from './mutex';

/** Options of {@link BenchApp.start}. */
export interface BenchAppOptions {
  /**
   * Where subscriptions and attempts live: a new database of this kind (dropped by `close()`), or one
   * that exists already (left alone by `close()`).
   */
  database: BenchDatabaseKind | IsolatedDatabase;
  /** Merged over {@link BENCH_MODULE_OPTIONS}. */
  webhooks?: WebhooksModuleOptions;
  /** More modules of the application (e.g. `HttpModule` for the axios transport). */
  imports?: DynamicModule['imports'];
  /** Told the database version once it is known. */
  recordDatabase?: (kind: string, version: string) => void;
  /** How a new SQLite database is set up. @default 'wal' (as the docs recommend) */
  sqlite?: BenchSqliteSettings;
  /**
   * A name for the application's data source (and `forRoot({ dataSource })`), for a second application
   * in the same process: TypeORM keeps one registry of data source names per process.
   * @default the default data source
   */
  dataSourceName?: string;
}

/** What every benchmark application configures: the receiver is on 127.0.0.1 over plain HTTP. */
export const BENCH_MODULE_OPTIONS: WebhooksModuleOptions = {
  targets: { allowHttp: true, allowPrivateNetworks: true },
  delivery: { concurrency: 64 },
};

/** A subscription to create with {@link BenchApp.seedSubscriptions}. */
export interface SeedSubscription {
  to: string;
  events: string[];
  scope?: string;
}

/** Attempt rows by status. */
export type AttemptCounts = Record<'pending' | 'successful' | 'failed', number>;

/** Nest's own log lines that only say "starting", "mapped", "initialized": kept out of the output. */
const LOG_LEVELS: LogLevel[] = ['error', 'warn'];

/**
 * A Nest application context (no HTTP server) with TypeORM on a database of the benchmark's own and
 * `WebhooksModule.forRoot(...)`, as an application would set it up: the schema built by the module's
 * migrations, the engine started by the application's bootstrap, shut down by `close()`.
 */
export class BenchApp {
  readonly dispatcher: WebhookDispatcher;
  readonly engine: DeliveryEngine;
  readonly registry: WebhookRegistry;
  readonly subscriptions: WebhookSubscriptions;
  readonly dataSource: DataSource;
  readonly emitter: EventEmitter2;
  /** Resolves a promise per attempt when the module reports it resolved (after its result is committed). */
  readonly completions: CompletionTracker;
  private readonly sqliteTransactions = new Mutex();

  private constructor(
    readonly context: INestApplicationContext,
    private readonly database: IsolatedDatabase,
    private readonly ownsDatabase: boolean,
    dataSourceName: string | undefined,
  ) {
    this.dispatcher = context.get(WebhookDispatcher);
    this.engine = context.get(DeliveryEngine);
    this.registry = context.get(WebhookRegistry);
    this.subscriptions = context.get(WebhookSubscriptions);
    this.dataSource = context.get(getDataSourceToken(dataSourceName));
    this.emitter = context.get(WEBHOOKS_EVENT_EMITTER);
    this.completions = new CompletionTracker(this.emitter);
  }

  /** The database family. */
  get kind(): BenchDatabaseKind {
    return this.database.kind;
  }

  /** Creates the database, boots the application (the engine starts) and returns it. */
  static async start(options: BenchAppOptions): Promise<BenchApp> {
    const owned = typeof options.database === 'string';
    const database =
      typeof options.database === 'string'
        ? await isolatedDatabase(options.database, options.sqlite)
        : options.database;
    options.recordDatabase?.(database.kind, database.version);
    const webhooks = withExperiment(options.webhooks ?? {});
    @Module({
      imports: [
        TypeOrmModule.forRoot({
          ...database.options,
          ...sqlitePragmas(database),
          ...(options.dataSourceName ? { name: options.dataSourceName } : {}),
          autoLoadEntities: true,
          migrations: [...WEBHOOK_MIGRATIONS],
          migrationsRun: true,
          logging: false,
        } as TypeOrmModuleOptions),
        WebhooksModule.forRoot({
          ...BENCH_MODULE_OPTIONS,
          ...(options.dataSourceName ? { dataSource: options.dataSourceName } : {}),
          ...webhooks,
          targets: { ...BENCH_MODULE_OPTIONS.targets, ...webhooks.targets },
          delivery: { ...BENCH_MODULE_OPTIONS.delivery, ...webhooks.delivery },
        }),
        ...(options.imports ?? []),
      ],
    })
    class BenchAppModule {}

    let context: INestApplicationContext;
    try {
      context = await NestFactory.createApplicationContext(BenchAppModule, { logger: LOG_LEVELS, abortOnError: false });
    } catch (error) {
      if (owned) await database.drop();
      throw error;
    }
    return new BenchApp(context, database, owned, options.dataSourceName);
  }

  /**
   * Runs `fn` in an application transaction, as `dataSource.transaction(...)` does. On SQLite TypeORM has
   * one connection and turns concurrent transactions into interleaved savepoints of one transaction, so a
   * correct SQLite application runs them one at a time: so does this (the deliveries stay concurrent).
   */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'sqlite') return this.sqliteTransactions.run(() => this.dataSource.transaction(fn));
    return this.dataSource.transaction(fn);
  }

  /**
   * Creates active database subscriptions in bulk with the subscription store's own insert, 2,000 a call
   * (rows, event patterns and registry change log together), then reloads the index: what `create()` does
   * one by one, without the per-call target check (every target here is the receiver).
   */
  async seedSubscriptions(
    entries: readonly SeedSubscription[],
    { load = true }: { load?: boolean } = {},
  ): Promise<WebhookSubscription[]> {
    const now = new Date();
    const created = entries.map((entry) =>
      Object.assign(new WebhookSubscription(), {
        id: newId(),
        scope: entry.scope ?? '/',
        owner: null,
        events: entry.events,
        to: entry.to,
        dialect: 'default',
        permission: null,
        active: true,
        statusMessage: ACTIVE_STATUS_MESSAGE,
        description: null,
        metadata: null,
        consecutiveFailures: 0,
        preconditionFailures: 0,
        staticKey: null,
        retry: null,
        pausedUntil: null,
        rateLimit: null,
        maxInFlight: null,
        createdAt: now,
        updatedAt: now,
      } satisfies WebhookSubscriptionFields),
    );
    const store = this.context.get<WebhookSubscriptionStore>(WEBHOOK_SUBSCRIPTION_STORE, { strict: false });
    for (const chunk of chunks(created, 2_000)) await store.insert(chunk);
    // Rebuild the index from the rows, as a restarted application would have it (and so that the version
    // the seeding wrote is not caught up with in the first measured dispatch).
    if (load) await this.registry.load();
    return created;
  }

  /**
   * Gives every subscription `perSubscription` resolved (successful) attempts, written with the module's
   * own insert, so that a run starts in the steady state of a busy sender: every history full, and every
   * new result dropping the oldest one (`attemptLimit`).
   */
  async prefillHistory(
    subscriptions: readonly WebhookSubscription[],
    perSubscription: number,
    body: string,
  ): Promise<number> {
    const store = this.context.get<WebhookAttemptStore>(WEBHOOK_ATTEMPT_STORE, { strict: false });
    const at = new Date(Date.now() - 3_600_000);
    const rows: WebhookDeliveryAttempt[] = [];
    for (const subscription of subscriptions) {
      for (let n = 0; n < perSubscription; n++) rows.push(resolvedAttempt(subscription, at, body));
    }
    for (const chunk of chunks(rows, 10_000)) await store.insert(chunk, { onCommit: () => undefined });
    return rows.length;
  }

  /**
   * Writes `count` pending attempts, spread round-robin over `subscriptions`, due at `due`, as the outbox
   * writes them (not leased): a backlog for the engine to work off.
   */
  async seedDueAttempts(
    subscriptions: readonly WebhookSubscription[],
    count: number,
    body: string,
    due: Date,
  ): Promise<void> {
    const store = this.context.get<WebhookAttemptStore>(WEBHOOK_ATTEMPT_STORE, { strict: false });
    const rows: WebhookDeliveryAttempt[] = [];
    for (let n = 0; n < count; n++) rows.push(pendingAttempt(subscriptions[n % subscriptions.length], due, body));
    for (const chunk of chunks(rows, 5_000)) await store.insert(chunk, { onCommit: () => undefined });
  }

  /** Attempt rows by status (all of them, or those of one message). */
  async attemptCounts(messageId?: string): Promise<AttemptCounts> {
    const query = this.dataSource
      .createQueryBuilder()
      .select('a.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .from(WebhookDeliveryAttempt, 'a')
      .groupBy('a.status');
    if (messageId) query.where('a.message_id = :messageId', { messageId });
    const counts: AttemptCounts = { pending: 0, successful: 0, failed: 0 };
    for (const row of await query.getRawMany<{ status: keyof AttemptCounts; n: string | number }>())
      counts[row.status] = Number(row.n);
    return counts;
  }

  /** Shuts the application down (the engine hands back what it holds) and drops the database it created. */
  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      if (this.ownsDatabase) await this.database.drop();
    }
  }
}

/**
 * `BENCH_WEBHOOKS_OPTIONS='{"registry":{"syncInterval":1000}}'` merges module options over every
 * application's (an experiment: what an option changes; the scenarios use the module's defaults).
 */
function withExperiment(options: WebhooksModuleOptions): WebhooksModuleOptions {
  const raw = process.env.BENCH_WEBHOOKS_OPTIONS;
  if (!raw) return options;
  const extra = JSON.parse(raw) as WebhooksModuleOptions;
  return {
    ...options,
    ...extra,
    registry: { ...options.registry, ...extra.registry },
    delivery: { ...options.delivery, ...extra.delivery },
    targets: { ...options.targets, ...extra.targets },
  };
}

/**
 * `BENCH_SQLITE_PRAGMAS="journal_mode=WAL,synchronous=NORMAL"` runs the SQLite databases with those
 * pragmas (an experiment; the scenarios use TypeORM's defaults: rollback journal, synchronous FULL, so
 * that every COMMIT waits for the disk).
 */
function sqlitePragmas(database: IsolatedDatabase): {
  prepareDatabase?: (db: { pragma(source: string): unknown }) => void;
} {
  const pragmas =
    process.env.BENCH_SQLITE_PRAGMAS?.split(',')
      .map((p) => p.trim())
      .filter(Boolean) ?? [];
  if (database.kind !== 'sqlite' || pragmas.length === 0) return {};
  return { prepareDatabase: (db) => pragmas.forEach((pragma) => db.pragma(pragma)) };
}

/** A successful attempt resolved at `at`, shaped as the engine records one. */
function resolvedAttempt(subscription: WebhookSubscription, at: Date, body: string): WebhookDeliveryAttempt {
  const messageId = `msg_prefill_${newId()}`;
  const request = {
    url: subscription.to,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'nestjs-webhooks', 'webhook-id': messageId },
    body,
  };
  return Object.assign(new WebhookDeliveryAttempt(), {
    id: newId(),
    subscriptionId: subscription.id,
    messageId,
    event: subscription.events[0],
    scope: subscription.scope,
    status: 'successful',
    message: '200 OK',
    request,
    response: {
      statusCode: 200,
      reason: 'OK',
      headers: { 'content-length': '0' },
      body: '',
      truncated: false,
      elapsedMs: 1,
    },
    internalInfo: {
      originated: { pid: process.pid, hostname: hostname(), createdTime: at.toISOString(), note: null },
      exceptionHistory: [],
    },
    tries: [
      { number: 1, trigger: 'scheduled', at: at.toISOString(), statusCode: 200, message: '200 OK', elapsedMs: 1 },
    ],
    attemptCount: 1,
    nextAttemptAt: null,
    nextTrigger: null,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: at,
    resolvedAt: at,
    traceContext: null,
    orderingKey: null,
  } satisfies WebhookDeliveryAttempt);
}

/** An attempt as the outbox writes one, not leased, due at `due`. */
function pendingAttempt(subscription: WebhookSubscription, due: Date, body: string): WebhookDeliveryAttempt {
  const now = new Date();
  return Object.assign(new WebhookDeliveryAttempt(), {
    id: newId(),
    subscriptionId: subscription.id,
    messageId: `msg_${newId()}`,
    event: subscription.events[0],
    scope: subscription.scope,
    status: 'pending',
    message: null,
    request: { url: subscription.to, method: 'POST', body },
    response: null,
    internalInfo: {
      originated: { pid: process.pid, hostname: hostname(), createdTime: now.toISOString(), note: null },
      exceptionHistory: [],
    },
    tries: [],
    attemptCount: 0,
    nextAttemptAt: due,
    nextTrigger: null,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    resolvedAt: null,
    traceContext: null,
    orderingKey: null,
  } satisfies WebhookDeliveryAttempt);
}
