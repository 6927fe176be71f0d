import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { WebhooksConfigurationError } from './core/errors/webhooks.errors';
import { invalidOptionMessage } from './core/errors/webhooks.messages';
import { WEBHOOKS_RAW_OPTIONS } from './core/webhooks.constants';
import type {
  WebhooksModuleAsyncOptions,
  WebhooksModuleOptions,
  WebhooksOptionsFactory,
} from './options/webhooks-module-options.interface';
import { resolveWebhooksOptions } from './options/webhooks-options.resolver';
import { WebhooksCoreModule } from './webhooks-core.module';

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
  /**
   * Configures the module with options known up front.
   * @throws WebhooksConfigurationError naming the option when one is malformed.
   */
  static forRoot(options: WebhooksModuleOptions = {}): DynamicModule {
    // Validated now, so that a mistake fails where the module is imported, with the option named.
    resolveWebhooksOptions(options);
    return this.wrap(WebhooksCoreModule.register(options, [{ provide: WEBHOOKS_RAW_OPTIONS, useValue: options }], []));
  }

  /**
   * Configures the module with options built by a factory, a class or an existing provider. `isGlobal`,
   * `storage`, `dataSource`, `database` and `admin` are given here, outside the factory, because they shape
   * the module itself.
   */
  static forRootAsync(options: WebhooksModuleAsyncOptions): DynamicModule {
    const { useFactory, useClass, useExisting } = options;
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
    return this.wrap(WebhooksCoreModule.register(options, providers, options.imports ?? []));
  }

  private static wrap(core: DynamicModule): DynamicModule {
    return { module: WebhooksModule, imports: [core], exports: [core] };
  }
}
