import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { describe, expect, it } from 'vitest';
import {
  WEBHOOK_ENTITIES,
  WEBHOOK_MIGRATIONS,
  WebhookSubscriptions,
  WebhooksConfigurationError,
  WebhooksModule,
  type WebhooksModuleOptions,
  type WebhooksOptionsFactory,
} from '../lib';
import { WEBHOOKS_MODULE_OPTIONS } from '../lib/core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../lib/options/webhooks-options.resolver';

// In-memory databases: a data source that a failed boot leaves opening has no file to miss later.
const sqlite = () => ({ type: 'better-sqlite3' as const, database: ':memory:', retryAttempts: 1, retryDelay: 10 });

const typeorm = (extra: object = {}) =>
  TypeOrmModule.forRoot({
    ...sqlite(),
    autoLoadEntities: true,
    migrations: [...WEBHOOK_MIGRATIONS],
    migrationsRun: true,
    ...extra,
  });

async function boot(imports: any[]) {
  const module = await Test.createTestingModule({ imports }).compile();
  module.useLogger(false);
  await module.init();
  return module;
}

function configurationError(fn: () => unknown): WebhooksConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhooksConfigurationError);
    return error as WebhooksConfigurationError;
  }
  throw new Error('expected a WebhooksConfigurationError');
}

describe('WebhooksModule.forRoot', () => {
  it('applies the documented defaults', async () => {
    const module = await boot([typeorm(), WebhooksModule.forRoot()]);
    const options = module.get<ResolvedWebhooksOptions>(WEBHOOKS_MODULE_OPTIONS);
    expect(options).toMatchObject({
      isGlobal: true,
      dataSource: 'default',
      attemptLimit: 50,
      targets: { allowHttp: false },
      registry: { syncInterval: 0, changeRetention: 3_600_000 },
      subscriptions: [],
    });
    await module.close();
  });

  it('is global by default, so feature modules inject the services', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly subscriptions: WebhookSubscriptions) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    const module = await boot([typeorm(), WebhooksModule.forRoot(), FeatureModule]);
    expect(module.get(Consumer).subscriptions).toBe(module.get(WebhookSubscriptions));
    await module.close();

    await expect(boot([typeorm(), WebhooksModule.forRoot({ isGlobal: false }), FeatureModule])).rejects.toThrow(
      /WebhookSubscriptions/,
    );
  });

  it.each<[WebhooksModuleOptions | any, string, RegExp]>([
    [{ attemptLimit: 0 }, 'attemptLimit', /whole number from 1/],
    [{ attemptLimit: 'many' }, 'attemptLimit', /whole number/],
    [{ attemptLimt: 5 }, 'attemptLimt', /unknown option "attemptLimt"/],
    [{ history: { maxAge: 5 } }, 'history.maxAge', /whole number from 1000/],
    [{ history: { maxAge: 60_000, batchSize: 0 } }, 'history.batchSize', /whole number from 1 /],
    [{ history: { maxage: 60_000 } }, 'history.maxage', /Known options: maxAge, interval, batchSize/],
    [{ targets: { allowHTTP: true } }, 'targets.allowHTTP', /Known options: allowHttp/],
    [{ targets: { allowHttp: 'yes' } }, 'targets.allowHttp', /true or false/],
    [{ registry: { syncInterval: -1 } }, 'registry.syncInterval', /from 0/],
    [{ subscriptions: {} }, 'subscriptions', /list/],
    [{ subscriptions: [{ to: 'http://insecure.example.com' }] }, 'subscriptions[0].to', /https/],
    [
      { subscriptions: [{ to: 'https://x.example.com', events: 'Nope' }] },
      'subscriptions[0].events[0]',
      /event pattern/,
    ],
    [{ subscriptions: [{ to: 'https://x.example.com', scope: 'acme' }] }, 'subscriptions[0].scope', /scope path/],
    [
      { subscriptions: [{ to: 'https://x.example.com', persistant: true }] },
      'subscriptions[0].persistant',
      /unknown option/,
    ],
    [{ clock: Date }, 'clock', /now\(\)/],
    [{ dataSource: '' }, 'dataSource', /non-empty/],
  ])('rejects %j naming the option', (options, option, message) => {
    const error = configurationError(() => WebhooksModule.forRoot(options));
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('accepts http targets in static subscriptions when targets.allowHttp is set', () => {
    expect(() =>
      WebhooksModule.forRoot({ targets: { allowHttp: true }, subscriptions: [{ to: 'http://localhost:3000/hook' }] }),
    ).not.toThrow();
  });

  it('says how to fix a data source that lacks the entities', async () => {
    const module = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot({ ...sqlite(), entities: [] }), WebhooksModule.forRoot()],
    }).compile();
    module.useLogger(false);
    await expect(module.init()).rejects.toThrow(/autoLoadEntities: true|WEBHOOK_ENTITIES/);
    await module.close();
  });

  it('says how to fix missing tables', async () => {
    const module = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot({ ...sqlite(), autoLoadEntities: true }), WebhooksModule.forRoot()],
    }).compile();
    module.useLogger(false);
    await expect(module.init()).rejects.toThrow(/WEBHOOK_MIGRATIONS/);
    await module.close();
  });

  it('works with synchronize and explicit WEBHOOK_ENTITIES', async () => {
    const module = await boot([
      TypeOrmModule.forRoot({ ...sqlite(), entities: [...WEBHOOK_ENTITIES], synchronize: true }),
      WebhooksModule.forRoot(),
    ]);
    const sub = await module.get(WebhookSubscriptions).create({ to: 'https://example.com', events: 'a.b' });
    expect(sub.active).toBe(true);
    await module.close();
  });

  it('uses a named application data source', async () => {
    const module = await boot([
      TypeOrmModule.forRoot({
        ...sqlite(),
        name: 'hooks',
        autoLoadEntities: true,
        migrations: [...WEBHOOK_MIGRATIONS],
        migrationsRun: true,
      }),
      WebhooksModule.forRoot({ dataSource: 'hooks' }),
    ]);
    await module.get(WebhookSubscriptions).create({ to: 'https://example.com', events: 'a.b' });
    await module.close();
  });

  it('opens a data source of its own with forRoot({ database })', async () => {
    const module = await boot([WebhooksModule.forRoot({ database: sqlite() })]);
    const subscriptions = module.get(WebhookSubscriptions);
    const sub = await subscriptions.create({ to: 'https://example.com', events: 'a.b' });
    expect((await subscriptions.get(sub.id)).to).toBe('https://example.com');
    await module.close();
  });
});

describe('WebhooksModule.forRootAsync', () => {
  @Injectable()
  class Config {
    attemptLimit = 7;
  }
  @Module({ providers: [Config], exports: [Config] })
  class ConfigModule {}

  @Injectable()
  class OptionsFactory implements WebhooksOptionsFactory {
    createWebhooksOptions(): WebhooksModuleOptions {
      return { attemptLimit: 11 };
    }
  }

  @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
  class FactoryModule {}

  const limit = (module: Awaited<ReturnType<typeof boot>>) =>
    module.get<ResolvedWebhooksOptions>(WEBHOOKS_MODULE_OPTIONS).attemptLimit;

  it('takes a factory with injected providers', async () => {
    const module = await boot([
      typeorm(),
      WebhooksModule.forRootAsync({
        imports: [ConfigModule],
        inject: [Config],
        useFactory: async (config: Config) => ({ attemptLimit: config.attemptLimit }),
      }),
    ]);
    expect(limit(module)).toBe(7);
    await module.close();
  });

  it('takes a class', async () => {
    const module = await boot([typeorm(), WebhooksModule.forRootAsync({ useClass: OptionsFactory })]);
    expect(limit(module)).toBe(11);
    await module.close();
  });

  it('takes an existing provider', async () => {
    const module = await boot([
      typeorm(),
      WebhooksModule.forRootAsync({ imports: [FactoryModule], useExisting: OptionsFactory }),
    ]);
    expect(limit(module)).toBe(11);
    await module.close();
  });

  it('fails at startup, naming the option, when the factory returns bad options', async () => {
    const module = await Test.createTestingModule({
      imports: [typeorm(), WebhooksModule.forRootAsync({ useFactory: () => ({ attemptLimit: -3 }) })],
    })
      .compile()
      .catch((error) => error);
    expect(module).toBeInstanceOf(WebhooksConfigurationError);
    expect((module as WebhooksConfigurationError).option).toBe('attemptLimit');
  });

  it('refuses a storage returned by the factory that differs from the one the module was built with', async () => {
    const error = await Test.createTestingModule({
      imports: [typeorm(), WebhooksModule.forRootAsync({ useFactory: () => ({ storage: 'memory' as const }) })],
    })
      .compile()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebhooksConfigurationError);
    expect((error as WebhooksConfigurationError).option).toBe('storage');
    expect((error as Error).message).toMatch(/forRootAsync\(\{ storage, useFactory \}\)/);
  });

  it('needs exactly one of useFactory, useClass, useExisting', () => {
    expect(configurationError(() => WebhooksModule.forRootAsync({})).option).toBe('forRootAsync');
    expect(
      configurationError(() => WebhooksModule.forRootAsync({ useClass: OptionsFactory, useFactory: () => ({}) }))
        .option,
    ).toBe('forRootAsync');
  });
});
