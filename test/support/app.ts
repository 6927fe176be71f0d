import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import {
  WEBHOOK_MIGRATIONS,
  WebhookAttempts,
  WebhookDispatcher,
  WebhookRegistry,
  WebhookSubscriptions,
  WebhooksModule,
} from '../../lib';
import { DeliveryEngine } from '../../lib/deliver/delivery.engine';
import { DataSource } from 'typeorm';
import type { WebhooksModuleOptions } from '../../lib';
import { StubResolver } from './stub-resolver';
import type { ClassLike } from '../../lib/core/util/class-like.util';

export interface TestAppOptions {
  /** Build the schema with the module's migrations (default) or with `synchronize`. */
  schema?: 'migrations' | 'synchronize';
  /** Extra modules and providers of the application. */
  imports?: DynamicModule['imports'];
  providers?: DynamicModule['providers'];
  entities?: ClassLike[];
}

export interface TestApp {
  module: TestingModule;
  subscriptions: WebhookSubscriptions;
  registry: WebhookRegistry;
  dispatcher: WebhookDispatcher;
  attempts: WebhookAttempts;
  engine: DeliveryEngine;
  dataSource: DataSource;
  emitter: EventEmitter2;
  /** Every event the module emitted, in order. */
  events: Array<{ name: string; payload: any }>;
  close(): Promise<void>;
}

/** Boots a Nest application context with TypeORM on `database` and the webhooks module. */
export async function createTestApp(
  database: DataSourceOptions,
  webhooks: WebhooksModuleOptions = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const schema = options.schema ?? 'migrations';
  @Module({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      TypeOrmModule.forRoot({
        ...database,
        entities: options.entities ?? [],
        autoLoadEntities: true,
        migrations: schema === 'migrations' ? [...WEBHOOK_MIGRATIONS] : [],
        migrationsRun: schema === 'migrations',
        synchronize: schema === 'synchronize',
        logging: false,
      } as TypeOrmModuleOptions),
      // The machine has no public DNS: names answer ENOTFOUND at once from a stub unless a test says otherwise.
      // One try unless a test asks for retries: the seed's delivery scenarios fail at once.
      WebhooksModule.forRoot({
        ...webhooks,
        retry: webhooks.retry ?? { attempts: 1, throttlePause: 0 },
        targets: { resolver: new StubResolver().resolve, ...webhooks.targets },
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  })
  class TestAppModule {}

  const module = await Test.createTestingModule({ imports: [TestAppModule] }).compile();
  module.useLogger(false);
  const emitter = module.get(EventEmitter2);
  const events: TestApp['events'] = [];
  emitter.onAny((name, payload) => events.push({ name: String(name), payload }));
  await module.init();
  return {
    module,
    subscriptions: module.get(WebhookSubscriptions),
    registry: module.get(WebhookRegistry),
    dispatcher: module.get(WebhookDispatcher),
    attempts: module.get(WebhookAttempts),
    engine: module.get(DeliveryEngine),
    dataSource: module.get(DataSource),
    emitter,
    events,
    close: () => module.close(),
  };
}

/**
 * Works off everything due: polls until no attempt is left to claim, waiting for every try to be sent and
 * recorded (tests that disable polling drive retries this way, with their own clock).
 */
export async function drainDue(app: Pick<TestApp, 'engine'>): Promise<void> {
  await app.engine.whenIdle();
  while ((await app.engine.pollNow()) > 0) await app.engine.whenIdle();
  await app.engine.whenIdle();
}
