import {
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
  Injectable,
  Module,
} from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { DataSource as DataSourceClass } from 'typeorm';
import {
  WEBHOOK_MIGRATIONS,
  WebhookAttempts,
  WebhookDispatcher,
  WebhookSubscriptions,
  WebhooksModule,
  type WebhooksAdminOptions,
  type WebhooksModuleOptions,
} from '../../lib';
import { DeliveryEngine } from '../../lib/deliver/delivery.engine';
import { StubResolver } from './stub-resolver';
import type { ClassLike } from '../../lib/core/util/class-like.util';

/** Test authentication: `x-user` names the caller (no header: the guard refuses, 403). */
@Injectable()
export class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const headers = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers;
    return typeof headers['x-user'] === 'string';
  }
}

/** The principal from test headers: `x-user` (id; "anonymous" resolves to none), `x-admin: true`, `x-scope`. */
export const headerPrincipal: WebhooksAdminOptions['principal'] = (req: {
  headers: Record<string, string | undefined>;
}) => {
  const id = req.headers['x-user'];
  if (!id || id === 'anonymous') return null;
  return {
    id,
    isAdmin: req.headers['x-admin'] === 'true',
    ...(req.headers['x-scope'] ? { scope: req.headers['x-scope'] } : {}),
  };
};

export interface AdminTestApp {
  app: INestApplication;
  subscriptions: WebhookSubscriptions;
  dispatcher: WebhookDispatcher;
  attempts: WebhookAttempts;
  engine: DeliveryEngine;
  dataSource: DataSource;
  /** A supertest agent bound to the app. */
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface AdminTestAppOptions {
  adapter?: 'express' | 'fastify';
  imports?: DynamicModule['imports'];
  providers?: DynamicModule['providers'];
  entities?: ClassLike[];
}

/** Boots a real Nest HTTP application with TypeORM on `database` and the webhooks module with `admin` on. */
export async function createAdminTestApp(
  database: DataSourceOptions,
  webhooks: WebhooksModuleOptions = {},
  options: AdminTestAppOptions = {},
): Promise<AdminTestApp> {
  @Module({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      TypeOrmModule.forRoot({
        ...database,
        entities: options.entities ?? [],
        autoLoadEntities: true,
        migrations: [...WEBHOOK_MIGRATIONS],
        migrationsRun: true,
        synchronize: false,
        logging: false,
      } as TypeOrmModuleOptions),
      WebhooksModule.forRoot({
        admin: { path: 'webhooks', guards: [HeaderAuthGuard], principal: headerPrincipal },
        ...webhooks,
        targets: { resolver: new StubResolver().resolve, ...webhooks.targets },
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  })
  class AdminTestModule {}

  const module = await Test.createTestingModule({ imports: [AdminTestModule] }).compile();
  const app =
    options.adapter === 'fastify'
      ? module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
          logger: process.env.ADMIN_TEST_LOGS ? ['error'] : false,
        })
      : module.createNestApplication({ logger: process.env.ADMIN_TEST_LOGS ? ['error'] : false });
  await app.init();
  if (options.adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return {
    app,
    subscriptions: app.get(WebhookSubscriptions),
    dispatcher: app.get(WebhookDispatcher),
    attempts: app.get(WebhookAttempts),
    engine: app.get(DeliveryEngine),
    dataSource: app.get(DataSourceClass),
    http: () => request(app.getHttpServer()),
    close: () => app.close(),
  };
}
