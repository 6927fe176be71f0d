import { type DynamicModule, Logger, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken, TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { adminOptionsAsyncMessage } from './admin/admin.messages';
import { resolveAdminOptions } from './admin/admin.options';
import { resolvePortalOptions } from './portal/portal.options';
import { webhooksAdminModuleParts } from './admin/webhooks-admin.factory';
import { WebhooksConfigurationError } from './core/errors/webhooks.errors';
import { moduleShapingOptionMessage } from './core/errors/webhooks.messages';
import { WEBHOOK_PAYLOAD_OPTIONS } from './core/payload.constants';
import {
  WEBHOOKS_DATA_SOURCE,
  WEBHOOKS_EVENT_EMITTER,
  WEBHOOKS_MODULE_OPTIONS,
  WEBHOOKS_OWN_DATA_SOURCE_NAME,
  WEBHOOKS_RAW_OPTIONS,
} from './core/webhooks.constants';
import { DeliveryEngine } from './deliver/delivery.engine';
import { DeliveryTry } from './deliver/delivery.try';
import { WebhookDestinationGuard } from './deliver/destination.guard';
import { DialectRegistry } from './deliver/dialects/dialect.registry';
import { RequestBuilder } from './deliver/request.builder';
import { SubscriptionSigner } from './deliver/subscription.signer';
import { createTransport } from './deliver/transport/transport.factory';
import { AttemptRenderer } from './enqueue/attempt.renderer';
import { PayloadShapers } from './enqueue/payloads/payload-shapers.service';
import { WebhookAttempts } from './enqueue/webhook-attempts.service';
import { WebhookOutbox } from './enqueue/webhook-outbox.service';
import { WEBHOOK_ENTITIES } from './entities';
import { ApplicabilityChecker } from './match/authorization/applicability.checker';
import { PrincipalRemovalListener } from './match/authorization/principal-removal.listener';
import { WebhookEventCatalog } from './match/catalog/webhook-event.catalog';
import { WebhookRegistry } from './match/registry/webhook-registry.service';
import { StaticSubscriptionsSync } from './match/subscriptions/static-subscriptions.sync';
import { WebhookSubscriptions } from './match/subscriptions/webhook-subscriptions.service';
import { WEBHOOK_MIGRATIONS } from './migrations';
import { WebhookTransport } from './options/webhook-transport.interface';
import type { WebhooksModuleOptions, WebhooksStaticOptions } from './options/webhooks-module-options.interface';
import {
  type ResolvedWebhooksOptions,
  resolveWebhooksOptions,
  WEBHOOKS_DEFAULTS,
} from './options/webhooks-options.resolver';
import { ACTIVE_SUBSCRIPTIONS } from './pipeline/active-subscriptions.interface';
import { WebhookOutcomeBus } from './pipeline/outcome.bus';
import { WebhookPipelineActivity } from './pipeline/pipeline.activity';
import { WebhookTelemetry } from './pipeline/webhook-telemetry';
import { AmbientTransaction } from './raise/ambient-transaction.service';
import { EventEmitterBridge } from './raise/event-emitter.bridge';
import { WebhookDispatcher } from './raise/webhook-dispatcher.service';
import { WebhookEventExplorer } from './raise/webhook-event.explorer';
import { WebhookResourceSubscriber } from './raise/webhook-resource.subscriber';
import { AttemptEventsReaction } from './react/attempt-events.reaction';
import { BacklogMonitor } from './react/backlog.monitor';
import { DeliveryMetricsReaction } from './react/delivery-metrics.reaction';
import { OutboxGauges } from './operations/outbox.gauges';
import { OperationalWebhooks } from './operations/operational-webhooks.sender';
import { WebhooksHealthIndicator } from './operations/webhooks-health.indicator';
import { BreakerEventsReaction } from './react/breaker-events.reaction';
import { DeliveryFailuresLog } from './react/delivery-failures.log';
import { DeliveryOutcomeReaction } from './react/delivery-outcome.reaction';
import { PreconditionFailureCounter } from './react/precondition-failures.counter';
import { SubscriptionEventsReaction } from './react/subscription-events.reaction';
import { AttemptRecorder } from './record/attempt.recorder';
import { HistoryRetention } from './record/history.retention';
import { WEBHOOK_ATTEMPT_STORE } from './stores/attempt-store.interface';
import { webhooksStorageProviders } from './stores/webhooks-storage.providers';
import { WebhooksInitializer } from './webhooks.initializer';
import { webhooksPortalModuleParts } from './portal/webhooks-portal.factory';
import { WebhooksPortalLinks } from './portal/webhooks-portal-links.service';

/** The services an application injects. */
const PUBLIC_PROVIDERS = [
  WebhookSubscriptions,
  WebhookRegistry,
  WebhookDispatcher,
  WebhookAttempts,
  WebhookEventCatalog,
  WebhooksPortalLinks,
  WebhooksHealthIndicator,
];

/** What the testing module (`nestjs-webhooks/testing`) reaches into: not part of the package's API. */
const TESTING_EXPORTS = [DeliveryEngine, DeliveryTry, WEBHOOK_ATTEMPT_STORE];

/** The pipeline, stage by stage (see docs/architecture.md). */
const PIPELINE_PROVIDERS: Provider[] = [
  // raise
  AmbientTransaction,
  WebhookDispatcher,
  WebhookEventExplorer,
  WebhookResourceSubscriber,
  EventEmitterBridge,
  // match
  WebhookRegistry,
  { provide: ACTIVE_SUBSCRIPTIONS, useExisting: WebhookRegistry },
  WebhookSubscriptions,
  StaticSubscriptionsSync,
  ApplicabilityChecker,
  PrincipalRemovalListener,
  WebhookEventCatalog,
  // enqueue
  AttemptRenderer,
  PayloadShapers,
  WebhookOutbox,
  WebhookAttempts,
  // deliver
  DeliveryEngine,
  DeliveryTry,
  RequestBuilder,
  SubscriptionSigner,
  DialectRegistry,
  // record
  AttemptRecorder,
  HistoryRetention,
  // react
  DeliveryOutcomeReaction,
  DeliveryFailuresLog,
  AttemptEventsReaction,
  BreakerEventsReaction,
  SubscriptionEventsReaction,
  PreconditionFailureCounter,
  DeliveryMetricsReaction,
  BacklogMonitor,
];

/** Operations: gauges read on collection, the health indicator, operational events as webhooks. */
const OPERATIONS_PROVIDERS: Provider[] = [OutboxGauges, WebhooksHealthIndicator, OperationalWebhooks];

/**
 * The providers of the webhooks module, global unless `isGlobal: false` (then `WebhooksModule` is imported
 * where they are injected). `WebhooksModule.forRoot`/`forRootAsync` build it; applications import
 * `WebhooksModule`.
 */
@Module({})
export class WebhooksCoreModule {
  static register(
    staticOptions: WebhooksStaticOptions,
    optionProviders: Provider[],
    imports: NonNullable<DynamicModule['imports']>,
  ): DynamicModule {
    const storage = staticOptions.storage ?? WEBHOOKS_DEFAULTS.storage;
    const dataSource = staticOptions.database
      ? WEBHOOKS_OWN_DATA_SOURCE_NAME
      : (staticOptions.dataSource ?? WEBHOOKS_DEFAULTS.dataSource);
    const dataSourceName = dataSource === WEBHOOKS_DEFAULTS.dataSource ? undefined : dataSource;
    const database =
      storage === 'memory'
        ? { imports: [], providers: [] }
        : {
            imports: [
              ...(staticOptions.database
                ? [
                    TypeOrmModule.forRoot({
                      ...staticOptions.database,
                      ...ownSqliteSettings(staticOptions.database),
                      name: WEBHOOKS_OWN_DATA_SOURCE_NAME,
                      entities: [...WEBHOOK_ENTITIES],
                      migrations: [...WEBHOOK_MIGRATIONS],
                      migrationsRun: !staticOptions.database.synchronize,
                    } as TypeOrmModuleOptions),
                  ]
                : []),
              TypeOrmModule.forFeature([...WEBHOOK_ENTITIES], dataSourceName),
            ],
            providers: [{ provide: WEBHOOKS_DATA_SOURCE, useExisting: getDataSourceToken(dataSourceName) }],
          };
    // The admin API shapes routes, so it is built (and its options checked) when the module is defined.
    // `admin.portal` is the portal's to check: the admin API knows nothing of the portal built on it.
    const portalOptions = staticOptions.admin === undefined ? null : resolvePortalOptions(staticOptions.admin.portal);
    const adminOptions = staticOptions.admin === undefined ? undefined : resolveAdminOptions(staticOptions.admin);
    const admin = adminOptions && webhooksAdminModuleParts(adminOptions);
    const portal = adminOptions && portalOptions ? webhooksPortalModuleParts(adminOptions, portalOptions) : undefined;
    return {
      module: WebhooksCoreModule,
      global: staticOptions.isGlobal ?? WEBHOOKS_DEFAULTS.isGlobal,
      imports: [...imports, ...database.imports, DiscoveryModule, ...(admin?.imports ?? [])],
      controllers: [...(admin?.controllers ?? []), ...(portal?.controllers ?? [])],
      providers: [
        ...optionProviders,
        {
          provide: WEBHOOKS_MODULE_OPTIONS,
          useFactory: (raw: WebhooksModuleOptions) => {
            if (raw?.admin !== undefined && raw.admin !== staticOptions.admin) {
              throw new WebhooksConfigurationError(adminOptionsAsyncMessage(), 'admin');
            }
            if (raw?.storage !== undefined && raw.storage !== storage) {
              throw new WebhooksConfigurationError(moduleShapingOptionMessage('storage'), 'storage');
            }
            const resolved = resolveWebhooksOptions({
              ...raw,
              storage,
              dataSource: raw?.database ? undefined : raw?.dataSource,
            });
            return { ...resolved, storage, dataSource, isGlobal: staticOptions.isGlobal ?? resolved.isGlobal };
          },
          inject: [WEBHOOKS_RAW_OPTIONS],
        },
        ...database.providers,
        {
          provide: WEBHOOKS_EVENT_EMITTER,
          // The application's emitter when it imports EventEmitterModule, so that @OnEvent listeners hear us.
          useFactory: (emitter?: EventEmitter2) => emitter ?? new EventEmitter2({ wildcard: true }),
          inject: [{ token: EventEmitter2, optional: true }],
        },
        {
          provide: WebhookOutcomeBus,
          useFactory: () => {
            const logger = new Logger('WebhookOutcomes');
            return new WebhookOutcomeBus((error, outcome) =>
              logger.error(`A reaction to "${String(outcome)}" failed: ${(error as Error)?.message ?? String(error)}`),
            );
          },
        },
        { provide: WebhookPipelineActivity, useFactory: () => new WebhookPipelineActivity() },
        {
          provide: WebhookTelemetry,
          useFactory: (options: ResolvedWebhooksOptions) => new WebhookTelemetry(options.operations),
          inject: [WEBHOOKS_MODULE_OPTIONS],
        },
        ...webhooksStorageProviders(storage),
        {
          provide: WebhookDestinationGuard,
          useFactory: (options: ResolvedWebhooksOptions) => new WebhookDestinationGuard(options.targets),
          inject: [WEBHOOKS_MODULE_OPTIONS],
        },
        {
          provide: WEBHOOK_PAYLOAD_OPTIONS,
          useFactory: (raw: WebhooksModuleOptions | undefined) => ({
            dialects: raw?.dialects,
            payloadShapers: raw?.payloadShapers,
          }),
          inject: [WEBHOOKS_RAW_OPTIONS],
        },
        {
          provide: WebhookTransport,
          useFactory: (options: ResolvedWebhooksOptions, moduleRef: ModuleRef) => createTransport(options, moduleRef),
          inject: [WEBHOOKS_MODULE_OPTIONS, ModuleRef],
        },
        ...PIPELINE_PROVIDERS,
        ...OPERATIONS_PROVIDERS,
        WebhooksInitializer,
        WebhooksPortalLinks,
        ...(admin?.providers ?? []),
        ...(portal?.providers ?? []),
      ],
      exports: [...PUBLIC_PROVIDERS, ...TESTING_EXPORTS, WEBHOOKS_MODULE_OPTIONS, WEBHOOKS_EVENT_EMITTER],
    };
  }
}

/**
 * A SQLite database the module opens for itself runs with write-ahead logging and `synchronous = NORMAL`
 * unless the options say otherwise: with TypeORM's defaults every commit waits for an fsync on the event
 * loop (see docs/multiple-instances.md). The application's own `prepareDatabase` runs after, and may change it.
 */
function ownSqliteSettings(database: NonNullable<WebhooksStaticOptions['database']>): Partial<typeof database> {
  if (database.type !== 'better-sqlite3') return {};
  const prepare = database.prepareDatabase;
  return {
    enableWAL: database.enableWAL ?? true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      return prepare?.(db);
    },
  };
}
