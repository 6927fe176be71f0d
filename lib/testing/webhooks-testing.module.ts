import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { DeliveryEngine } from '../deliver/delivery.engine';
import { DeliveryTry } from '../deliver/delivery.try';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';
import { invalidOptionMessage } from '../core/errors/webhooks.messages';
import type { WebhooksModuleOptions, WebhooksOptionsFactory } from '../options/webhooks-module-options.interface';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import { WebhooksModule } from '../webhooks.module';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { MemoryWebhookTransport } from './memory.transport';
import { foreignTransportMessage } from './testing.messages';
import type {
  ResolvedWebhooksTestingOptions,
  WebhooksTestingModuleAsyncOptions,
  WebhooksTestingModuleOptions,
} from './testing-options.interface';
import { resolveTestingOptions } from './testing-options';
import { WebhooksTestKit } from './webhooks-test-kit';

/** Hosts the options factory class of `forRootAsync({ useClass })`, so that the wrapped factory can inject it. */
@Module({})
class WebhooksTestingOptionsHost {}

/**
 * `WebhooksModule` for tests: the same module and options, but requests go to an in-memory transport
 * (nothing leaves the process) and host names resolve offline, while target URLs are still checked. It
 * provides {@link WebhooksTestKit} (and the {@link MemoryWebhookTransport} behind it) to script receivers,
 * simulate failures, defer deliveries and wait for them.
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true,
 *       migrations: [...WEBHOOK_MIGRATIONS], migrationsRun: true }),
 *     WebhooksTestingModule.forRoot({ subscriptions: [{ to: 'https://example.com/hook', events: 'contact.*' }] }),
 *     ContactsModule,
 *   ],
 * }).compile();
 * const kit = moduleRef.get(WebhooksTestKit);
 * ```
 */
@Module({})
export class WebhooksTestingModule {
  /**
   * `WebhooksModule.forRoot(options)` with the in-memory transport and offline destinations.
   * @throws WebhooksConfigurationError naming the option when one is malformed (as `WebhooksModule` does), or
   * when `delivery.transport` is a transport instance (the testing module brings its own).
   */
  static forRoot(options: WebhooksTestingModuleOptions = {}): DynamicModule {
    const { testing, ...webhooks } = options;
    const settings = resolveTestingOptions(testing);
    const transport = new MemoryWebhookTransport({ defaultResponse: settings.defaultResponse });
    return this.assemble(
      WebhooksModule.forRoot(withMemoryTransport(webhooks, transport)),
      transport,
      settings,
      webhooks.isGlobal,
    );
  }

  /**
   * `WebhooksModule.forRootAsync(options)` with the in-memory transport and offline destinations: the
   * options the factory (or class) builds are used with the transport swapped in.
   */
  static forRootAsync(options: WebhooksTestingModuleAsyncOptions): DynamicModule {
    const { testing, useFactory, useClass, useExisting, inject, imports = [], ...statics } = options;
    if ([useFactory, useClass, useExisting].filter(Boolean).length !== 1) {
      throw new WebhooksConfigurationError(
        invalidOptionMessage(
          'forRootAsync',
          'given exactly one of useFactory, useClass or useExisting',
          Object.keys(options),
        ),
        'forRootAsync',
      );
    }
    const settings = resolveTestingOptions(testing);
    const transport = new MemoryWebhookTransport({ defaultResponse: settings.defaultResponse });
    const swap = (raw: WebhooksModuleOptions) => withMemoryTransport(raw ?? {}, transport);
    let module: DynamicModule;
    if (useFactory) {
      module = WebhooksModule.forRootAsync({
        ...statics,
        imports,
        useFactory: async (...args: unknown[]) => swap(await useFactory(...args)),
        inject: inject ?? [],
      });
    } else {
      const factoryClass = (useClass ?? useExisting)!;
      const host: DynamicModule[] = useClass
        ? [{ module: WebhooksTestingOptionsHost, imports, providers: [useClass], exports: [useClass] }]
        : [];
      module = WebhooksModule.forRootAsync({
        ...statics,
        imports: [...imports, ...host],
        useFactory: async (factory: WebhooksOptionsFactory) => swap(await factory.createWebhooksOptions()),
        inject: [factoryClass],
      });
    }
    return this.assemble(module, transport, settings, statics.isGlobal);
  }

  private static assemble(
    webhooks: DynamicModule,
    transport: MemoryWebhookTransport,
    settings: ResolvedWebhooksTestingOptions,
    isGlobal: boolean | undefined,
  ): DynamicModule {
    const providers: Provider[] = [
      { provide: MemoryWebhookTransport, useValue: transport },
      {
        provide: WebhooksTestKit,
        useFactory: (
          engine: DeliveryEngine,
          tries: DeliveryTry,
          store: WebhookAttemptStore,
          options: ResolvedWebhooksOptions,
          moduleRef: ModuleRef,
        ) => new WebhooksTestKit({ engine, tries, store, transport, options, host: moduleRef }, settings),
        inject: [DeliveryEngine, DeliveryTry, WEBHOOK_ATTEMPT_STORE, WEBHOOKS_MODULE_OPTIONS, ModuleRef],
      },
    ];
    return {
      module: WebhooksTestingModule,
      global: isGlobal ?? true,
      imports: [webhooks],
      providers,
      exports: [webhooks, MemoryWebhookTransport, WebhooksTestKit],
    };
  }
}

/** The options with the in-memory transport and its offline resolver swapped in. */
function withMemoryTransport(options: WebhooksModuleOptions, transport: MemoryWebhookTransport): WebhooksModuleOptions {
  const given = options.delivery?.transport;
  // A transport name is the application's production setting, replaced here; an instance was meant.
  if (typeof given === 'object' && given !== null)
    throw new WebhooksConfigurationError(foreignTransportMessage(), 'delivery.transport');
  return {
    ...options,
    // One try unless the test asks for retries: a failure is then final at once, so that a test sees the
    // failed attempt right away and waitForDeliveries() does not wait for a backoff schedule.
    retry: options.retry ?? { attempts: 1, throttlePause: 0 },
    delivery: { ...options.delivery, transport },
    targets: transport.offlineTargets(options.targets),
  };
}
