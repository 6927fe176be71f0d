import { type CanActivate, type ExecutionContext, Injectable, Module } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WEBHOOK_MIGRATIONS,
  WebhooksConfigurationError,
  WebhooksModule,
  type WebhooksAdminOptions,
  type WebhooksModuleOptions,
} from '../lib';
import { resolveAdminOptions } from '../lib/admin/admin.options';
import { createAdminTestApp, HeaderAuthGuard, headerPrincipal, type AdminTestApp } from './support/admin-app';
import { runTsScript } from './support/ts-script';

const sqlite = () => ({ type: 'better-sqlite3' as const, database: ':memory:', retryAttempts: 1, retryDelay: 10 });
const typeorm = () =>
  TypeOrmModule.forRoot({
    ...sqlite(),
    autoLoadEntities: true,
    migrations: [...WEBHOOK_MIGRATIONS],
    migrationsRun: true,
  });
const admin = (extra: Partial<WebhooksAdminOptions> = {}): WebhooksAdminOptions => ({
  guards: [HeaderAuthGuard],
  principal: headerPrincipal,
  ...extra,
});

function configurationError(fn: () => unknown): WebhooksConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhooksConfigurationError);
    return error as WebhooksConfigurationError;
  }
  throw new Error('expected a WebhooksConfigurationError');
}

describe('forRoot({ admin }) configuration', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['no principal resolver', { guards: [HeaderAuthGuard] }, 'admin.principal', /must be a function \(request\) =>/],
    [
      'a principal that is not a function',
      { guards: [HeaderAuthGuard], principal: { id: 'x' } },
      'admin.principal',
      /must be a function/,
    ],
    ['no guards', { principal: headerPrincipal }, 'admin.guards', /at least one guard/],
    ['an empty guard list', { guards: [], principal: headerPrincipal }, 'admin.guards', /never served without one/],
    ['a guard that is not one', { guards: [{}], principal: headerPrincipal }, 'admin.guards[0]', /canActivate/],
    ['a path with a route parameter', { ...admin(), path: 'orgs/:org/webhooks' }, 'admin.path', /no route parameters/],
    ['an empty path', { ...admin(), path: '/' }, 'admin.path', /route prefix/],
    ['an unknown option', { ...admin(), prefix: 'x' }, 'admin.prefix', /unknown option "admin.prefix"/],
    ['imports that are not a list', { ...admin(), imports: {} }, 'admin.imports', /list of modules/],
    ['not an object', true, 'admin', /must be an object/],
  ])('fails at startup with %s', (_title, value, option, message) => {
    const error = configurationError(() => WebhooksModule.forRoot({ admin: value as WebhooksAdminOptions }));
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('fails at startup, naming what to install, when class-validator or class-transformer is missing', () => {
    const missing = (absent: string[]) => (name: string) => {
      if (absent.includes(name))
        throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      return {};
    };
    const one = configurationError(() => resolveAdminOptions(admin(), missing(['class-validator'])));
    expect([one.option, one.message]).toEqual(['admin', expect.stringContaining('npm install class-validator')]);
    const both = configurationError(() =>
      resolveAdminOptions(admin(), missing(['class-validator', 'class-transformer'])),
    );
    expect(both.message).toMatch(
      /needs class-validator and class-transformer .*npm install class-validator class-transformer/,
    );
    expect(resolveAdminOptions(admin({ path: '/api/hooks/' }), missing([])).path).toBe('api/hooks');
  });

  it('refuses admin options returned by the forRootAsync factory (they shape routes)', async () => {
    const builder = Test.createTestingModule({
      imports: [
        typeorm(),
        WebhooksModule.forRootAsync({ useFactory: () => ({ admin: admin() }) as WebhooksModuleOptions }),
      ],
    });
    await expect(builder.compile().then((m) => m.init())).rejects.toThrow(
      /Pass it to forRootAsync\(\{ admin, useFactory \}\)/,
    );
  });
});

describe('admin routes', () => {
  const apps: AdminTestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('are off unless configured', async () => {
    const t = await createAdminTestApp(sqlite(), { admin: undefined });
    apps.push(t);
    const res = await t.http().get('/webhooks/subscriptions').set('x-user', 'alice');
    expect(res.status).toBe(404);
  });

  it('take their path, guards (instances or classes with dependencies) and an async principal from the options', async () => {
    @Injectable()
    class ApiKeys {
      readonly valid = new Set(['k1']);
    }
    @Module({ providers: [ApiKeys], exports: [ApiKeys] })
    class ApiKeysModule {}
    @Injectable()
    class ApiKeyGuard implements CanActivate {
      constructor(private readonly keys: ApiKeys) {}
      canActivate(context: ExecutionContext): boolean {
        return this.keys.valid.has(context.switchToHttp().getRequest().headers['x-api-key']);
      }
    }
    const seen: string[] = [];
    const recording: CanActivate = {
      canActivate: (context) => {
        seen.push(context.switchToHttp().getRequest().url);
        return true;
      },
    };
    const t = await createAdminTestApp(sqlite(), {
      admin: {
        path: '/internal/hooks-admin/',
        guards: [recording, ApiKeyGuard],
        imports: [ApiKeysModule],
        principal: async (req: { headers: Record<string, string> }) => ({
          id: 42,
          isAdmin: req.headers['x-role'] === 'admin',
        }),
      },
    });
    apps.push(t);
    expect((await t.http().get('/webhooks/subscriptions').set('x-api-key', 'k1')).status).toBe(404);
    expect((await t.http().get('/internal/hooks-admin/subscriptions').set('x-api-key', 'nope')).status).toBe(403);
    const created = await t
      .http()
      .post('/internal/hooks-admin/subscriptions')
      .set('x-api-key', 'k1')
      .send({ to: 'https://x.example.com', events: ['a.b'] });
    expect([created.status, created.body.owner]).toEqual([201, '42']);
    expect(seen).toEqual(['/internal/hooks-admin/subscriptions', '/internal/hooks-admin/subscriptions']);
  });

  it('are derived per configuration, so two applications in one process keep their own paths', async () => {
    const a = await createAdminTestApp(sqlite(), { admin: admin({ path: 'a' }) });
    const b = await createAdminTestApp(sqlite(), { admin: admin({ path: 'b' }) });
    apps.push(a, b);
    expect((await a.http().get('/a/event-types').set('x-user', 'u')).status).toBe(200);
    expect((await a.http().get('/b/event-types').set('x-user', 'u')).status).toBe(404);
    expect((await b.http().get('/b/event-types').set('x-user', 'u')).status).toBe(200);
    expect((await b.http().get('/a/event-types').set('x-user', 'u')).status).toBe(404);
  });

  it('work with forRootAsync when admin is given next to the factory', async () => {
    @Module({
      imports: [
        typeorm(),
        WebhooksModule.forRootAsync({ admin: admin({ path: 'async-admin' }), useFactory: () => ({ attemptLimit: 5 }) }),
      ],
    })
    class AsyncModule {}
    const module = await Test.createTestingModule({ imports: [AsyncModule] }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.init();
    try {
      const res = await request(app.getHttpServer())
        .post('/async-admin/hooks')
        .set('x-user', 'zap')
        .send({ target_url: 'https://z.example.com', event: 'a.b' });
      expect([res.status, typeof res.body.id]).toEqual([201, 'string']);
    } finally {
      await app.close();
    }
  });
});

describe('OpenAPI security (admin.apiSecurity)', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp(sqlite(), {
      admin: {
        path: 'webhooks',
        guards: [{ canActivate: () => true }],
        principal: () => ({ id: 'root', isAdmin: true }),
        apiSecurity: ['bearer', 'api-key'],
      },
    });
  });
  afterAll(() => t?.close());

  it('marks every admin route as requiring the named schemes of the application (any one of them)', () => {
    const document = SwaggerModule.createDocument(
      t.app,
      new DocumentBuilder()
        .setTitle('app')
        .addTag('webhooks', 'Webhook subscriptions, their deliveries and the event types')
        .addBearerAuth()
        .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
        .build(),
    );
    const operations = Object.values(document.paths).flatMap((item) =>
      ['get', 'post', 'patch', 'delete'].flatMap(
        (method) => (item as Record<string, { security?: unknown }>)[method] ?? [],
      ),
    );
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations) expect(operation.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
    // The document as docs/recipes.md builds it: the routes' tag described at the root.
    expect(document.tags).toEqual([
      { name: 'webhooks', description: 'Webhook subscriptions, their deliveries and the event types' },
    ]);
    expect(Object.keys(document.components!.securitySchemes!)).toEqual(['bearer', 'api-key']);
  });

  it('refuses anything but a list of scheme names, naming the option', () => {
    for (const apiSecurity of ['bearer', [''], [3]]) {
      let option: string | undefined;
      try {
        WebhooksModule.forRoot({
          admin: { guards: [{ canActivate: () => true }], principal: () => null, apiSecurity: apiSecurity as string[] },
        });
      } catch (error) {
        option = (error as WebhooksConfigurationError).option;
      }
      expect(option, JSON.stringify(apiSecurity)).toBe('admin.apiSecurity');
    }
  });
});

describe('OpenAPI (when the application uses @nestjs/swagger)', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp(sqlite());
  });
  afterAll(() => t?.close());

  it('documents every route, its parameters and the DTO schemas', () => {
    const document = SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('app').build());
    const routes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'post', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /webhooks/breakers',
        'GET /webhooks/subscriptions',
        'POST /webhooks/subscriptions',
        'GET /webhooks/subscriptions/{id}',
        'PATCH /webhooks/subscriptions/{id}',
        'DELETE /webhooks/subscriptions/{id}',
        'POST /webhooks/subscriptions/{id}/activate',
        'POST /webhooks/subscriptions/{id}/deactivate',
        'POST /webhooks/subscriptions/{id}/rotate-secret',
        'POST /webhooks/subscriptions/{id}/test',
        'GET /webhooks/subscriptions/{id}/attempts',
        'GET /webhooks/subscriptions/{id}/attempts/{attemptId}',
        'POST /webhooks/subscriptions/{id}/attempts/{attemptId}/retry',
        'POST /webhooks/attempts/replay',
        'POST /webhooks/hooks',
        'DELETE /webhooks/hooks/{id}',
        'GET /webhooks/event-types',
        'GET /webhooks/event-types/openapi.json',
      ].sort(),
    );

    const create = document.paths['/webhooks/subscriptions'].post!;
    expect(create.tags).toEqual(['webhooks']);
    expect(create.summary).toMatch(/Create a subscription/);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
    expect(JSON.stringify(create.requestBody)).toContain('#/components/schemas/CreateWebhookSubscriptionDto');

    const list = document.paths['/webhooks/subscriptions'].get!;
    const queryNames = (list.parameters ?? []).map((p) => ('name' in p ? p.name : ''));
    expect(queryNames.sort()).toEqual(['active', 'cursor', 'event', 'limit', 'owner', 'scope', 'static', 'within']);

    const schemas = document.components!.schemas as Record<string, any>;
    expect(schemas.CreateWebhookSubscriptionDto.required.sort()).toEqual(['events', 'to']);
    expect(schemas.CreateWebhookSubscriptionDto.properties.to).toMatchObject({ type: 'string', maxLength: 2048 });
    expect(schemas.CreateWebhookSubscriptionDto.properties.events).toMatchObject({ type: 'array', maxItems: 100 });
    expect(schemas.RestHookSubscribeDto.required.sort()).toEqual(['event', 'target_url']);
    expect(Object.keys(schemas.WebhookSubscriptionResponse.properties)).not.toContain('secret');
    expect(Object.keys(schemas.CreatedWebhookSubscriptionResponse.properties)).toContain('secret');
    for (const name of [
      'WebhookDeliveryAttemptResponse',
      'WebhookEventTypeListResponse',
      'AdminErrorResponse',
      'UpdateWebhookSubscriptionDto',
    ]) {
      expect(schemas[name], name).toBeDefined();
    }
  });
});

describe('without @nestjs/swagger installed', () => {
  it('starts and answers: the OpenAPI decorators do nothing, validation still names the field', async () => {
    const report = await runTsScript<{
      swaggerLoaded: boolean;
      created: { status: number; hasSecret: boolean };
      listed: { status: number; ids: string[]; createdId: string };
      bad: { status: number; field: string };
    }>('swagger-free-admin.ts');
    // In this repository the package is installed (the suites above use it): the child really went without it.
    expect(require.resolve('@nestjs/swagger')).toContain('swagger');
    expect(report.swaggerLoaded).toBe(false);
    expect(report.created).toEqual({ status: 201, hasSecret: true });
    expect(report.listed.status).toBe(200);
    expect(report.listed.ids).toEqual([report.listed.createdId]);
    expect(report.bad).toEqual({ status: 400, field: 'to' });
  });
});
