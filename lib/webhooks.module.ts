import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { WEBHOOK_ENTITIES } from './entities';
import { WebhooksConfigurationError } from './core/errors/webhooks.errors';
import { invalidOptionMessage } from './core/errors/webhooks.messages';
import type {
  WebhooksModuleAsyncOptions,
  WebhooksModuleOptions,
  WebhooksOptionsFactory,
  WebhooksStaticOptions,
} from './options/webhooks-module-options.interface';
import { WEBHOOK_MIGRATIONS } from './migrations';
import { WebhooksDatabase } from './stores/typeorm/webhooks-database';
import { RegistryStore } from './stores/typeorm/registry.store';
import { WebhookRegistry } from './match/registry/webhook-registry.service';
import { StaticSubscriptionsSync } from './match/subscriptions/static-subscriptions.sync';
import { TransientSubscriptions } from './match/subscriptions/transient-subscriptions.store';
import { WebhookSubscriptions } from './match/subscriptions/webhook-subscriptions.service';
import {
  WEBHOOKS_DATA_SOURCE,
  WEBHOOKS_EVENT_EMITTER,
  WEBHOOKS_MODULE_OPTIONS,
  WEBHOOKS_OWN_DATA_SOURCE_NAME,
  WEBHOOKS_RAW_OPTIONS,
} from './core/webhooks.constants';
import { WebhooksInitializer } from './webhooks.initializer';
import { resolveWebhooksOptions, WEBHOOKS_DEFAULTS, type ResolvedWebhooksOptions } from './options/webhooks-options.resolver';
import { WebhookAttempts } from './enqueue/webhook-attempts.service';
import { AttemptRecorder } from './record/attempt.recorder';
import { AttemptStore } from './stores/typeorm/attempt.store';
import { DeliveryEngine } from './deliver/delivery.engine';
import { DialectRegistry } from './deliver/dialects/dialect.registry';
import { PayloadShapers } from './enqueue/payloads/payload-shapers.service';
import { WEBHOOK_PAYLOAD_OPTIONS } from './core/payload.constants';
import { WebhookDestinationGuard } from './deliver/destination.guard';
import { RequestBuilder } from './deliver/request.builder';
import { SubscriptionSigner } from './deliver/subscription.signer';
import { TransientAttempts } from './deliver/transient-attempts.store';
import { AmbientTransaction } from './raise/ambient-transaction.service';
import { EventEmitterBridge } from './raise/event-emitter.bridge';
import { TransactionHooks } from './stores/typeorm/transaction-hooks.subscriber';
import { OutboxBatcher } from './enqueue/outbox.batcher';
import { WebhookDispatcher } from './raise/webhook-dispatcher.service';
import { WebhookEventExplorer } from './raise/webhook-event.explorer';
import { WebhookResourceSubscriber } from './raise/webhook-resource.subscriber';
import { createTransport } from './deliver/transport/transport.factory';
import { WebhookTransport } from './options/webhook-transport.interface';
import { ApplicabilityChecker } from './match/authorization/applicability.checker';
import { PreconditionFailureCounter } from './react/precondition-failures.counter';
import { PrincipalRemovalListener } from './match/authorization/principal-removal.listener';
import { WebhookEventCatalog } from './match/catalog/webhook-event.catalog';
import { WEBHOOK_EVENT_CATALOG } from './match/catalog/catalog.constants';
import { resolveAdminOptions } from './admin/admin.options';
import { adminOptionsAsyncMessage } from './admin/admin.messages';
import { webhooksAdminModuleParts } from './admin/webhooks-admin.factory';

/** The services an application injects. */
const PUBLIC_PROVIDERS = [
  WebhookSubscriptions,
  WebhookRegistry,
  WebhookDispatcher,
  WebhookAttempts,
  DeliveryEngine,
  DialectRegistry,
  PayloadShapers,
  WebhookDestinationGuard,
  WebhookEventCatalog,
];

/**
 * The webhooks module: subscriptions in scoped registries, matched to the events the application raises,
 * delivered from a transactional outbox.
 *
 * ```ts
 * @Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', autoLoadEntities: true,
 *       migrations: [...WEBHOOK_MIGRATIONS], migrationsRun: true }),
 *     WebhooksModule.forRoot({ subscriptions: [{ to: 'https://example.com/hook', events: 'contact.*' }] }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class WebhooksModule {
  /** Configures the module with options known up front. */
  static forRoot(options: WebhooksModuleOptions = {}): DynamicModule {
    // Validate now, so that a mistake fails at import time with the option named.
    const resolved = resolveWebhooksOptions(options);
    return this.assemble(options, [{ provide: WEBHOOKS_RAW_OPTIONS, useValue: options }], [], resolved.dataSource);
  }

  /**
   * Configures the module with options built by a factory, a class or an existing provider. `isGlobal`,
   * `dataSource` and `database` are given here, outside the factory, because they shape the module itself.
   */
  static forRootAsync(options: WebhooksModuleAsyncOptions): DynamicModule {
    const { useFactory, useClass, useExisting } = options;
    if ([useFactory, useClass, useExisting].filter(Boolean).length !== 1) {
      throw new WebhooksConfigurationError(
        invalidOptionMessage('forRootAsync', 'given exactly one of useFactory, useClass or useExisting', Object.keys(options)),
        'forRootAsync',
      );
    }
    const providers: Provider[] = [];
    if (useFactory) {
      providers.push({ provide: WEBHOOKS_RAW_OPTIONS, useFactory, inject: options.inject ?? [] });
    } else {
      const factoryClass = (useClass ?? useExisting)!;
      if (useClass) providers.push({ provide: useClass, useClass });
      providers.push({
        provide: WEBHOOKS_RAW_OPTIONS,
        useFactory: (factory: WebhooksOptionsFactory) => factory.createWebhooksOptions(),
        inject: [factoryClass],
      });
    }
    const dataSource = options.database ? WEBHOOKS_OWN_DATA_SOURCE_NAME : (options.dataSource ?? WEBHOOKS_DEFAULTS.dataSource);
    return this.assemble(options, providers, options.imports ?? [], dataSource);
  }

  private static assemble(
    staticOptions: WebhooksStaticOptions,
    optionProviders: Provider[],
    imports: DynamicModule['imports'] & unknown[],
    dataSource: string,
  ): DynamicModule {
    const ownDatabase = staticOptions.database
      ? [
          TypeOrmModule.forRoot({
            ...staticOptions.database,
            name: WEBHOOKS_OWN_DATA_SOURCE_NAME,
            entities: [...WEBHOOK_ENTITIES],
            migrations: [...WEBHOOK_MIGRATIONS],
            migrationsRun: !staticOptions.database.synchronize,
          } as Parameters<typeof TypeOrmModule.forRoot>[0]),
        ]
      : [];
    // The admin API shapes routes, so it is built (and its options checked) when the module is defined.
    const admin = staticOptions.admin === undefined ? undefined : webhooksAdminModuleParts(resolveAdminOptions(staticOptions.admin));
    const dataSourceToken = getDataSourceToken(dataSource === WEBHOOKS_DEFAULTS.dataSource ? undefined : dataSource);
    return {
      module: WebhooksModule,
      global: staticOptions.isGlobal ?? WEBHOOKS_DEFAULTS.isGlobal,
      imports: [
        ...imports,
        ...ownDatabase,
        DiscoveryModule,
        TypeOrmModule.forFeature([...WEBHOOK_ENTITIES], dataSource === WEBHOOKS_DEFAULTS.dataSource ? undefined : dataSource),
        ...(admin?.imports ?? []),
      ],
      controllers: admin?.controllers ?? [],
      providers: [
        ...optionProviders,
        {
          provide: WEBHOOKS_MODULE_OPTIONS,
          useFactory: (raw: WebhooksModuleOptions) => {
            if (raw?.admin !== undefined && raw.admin !== staticOptions.admin) {
              throw new WebhooksConfigurationError(adminOptionsAsyncMessage(), 'admin');
            }
            const resolved = resolveWebhooksOptions({ ...raw, dataSource: raw?.database ? undefined : raw?.dataSource });
            return { ...resolved, dataSource, isGlobal: staticOptions.isGlobal ?? resolved.isGlobal };
          },
          inject: [WEBHOOKS_RAW_OPTIONS],
        },
        { provide: WEBHOOKS_DATA_SOURCE, useExisting: dataSourceToken },
        {
          provide: WEBHOOKS_EVENT_EMITTER,
          // The application's emitter when it imports EventEmitterModule, so that @OnEvent listeners hear us.
          useFactory: (emitter?: EventEmitter2) => emitter ?? new EventEmitter2({ wildcard: true }),
          inject: [{ token: EventEmitter2, optional: true }],
        },
        WebhooksDatabase,
        RegistryStore,
        TransientSubscriptions,
        WebhookRegistry,
        WebhookSubscriptions,
        StaticSubscriptionsSync,
        WebhooksInitializer,
        AttemptStore,
        TransientAttempts,
        AttemptRecorder,
        SubscriptionSigner,
        RequestBuilder,
        {
          provide: WebhookDestinationGuard,
          useFactory: (options: ResolvedWebhooksOptions) => new WebhookDestinationGuard(options.targets),
          inject: [WEBHOOKS_MODULE_OPTIONS],
        },
        {
          provide: WEBHOOK_PAYLOAD_OPTIONS,
          useFactory: (raw: WebhooksModuleOptions | undefined) => ({ dialects: raw?.dialects, payloadShapers: raw?.payloadShapers }),
          inject: [WEBHOOKS_RAW_OPTIONS],
        },
        DialectRegistry,
        PayloadShapers,
        {
          provide: WebhookTransport,
          useFactory: (options: ResolvedWebhooksOptions, moduleRef: ModuleRef) => createTransport(options, moduleRef),
          inject: [WEBHOOKS_MODULE_OPTIONS, ModuleRef],
        },
        DeliveryEngine,
        TransactionHooks,
        AmbientTransaction,
        OutboxBatcher,
        WebhookDispatcher,
        WebhookEventExplorer,
        WebhookResourceSubscriber,
        EventEmitterBridge,
        WebhookAttempts,
        PreconditionFailureCounter,
        ApplicabilityChecker,
        PrincipalRemovalListener,
        WebhookEventCatalog,
        { provide: WEBHOOK_EVENT_CATALOG, useExisting: WebhookEventCatalog },
        ...(admin?.providers ?? []),
      ],
      exports: [...PUBLIC_PROVIDERS, WEBHOOKS_MODULE_OPTIONS, WEBHOOKS_EVENT_EMITTER],
    };
  }
}
