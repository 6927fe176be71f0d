import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_MIGRATIONS, WebhookSubscriptions, WebhooksModule } from '../lib';
import { SUBSCRIPTION_KEYS } from './support/subscription-shape';

/** An application's own controller calling the module, with no exception filter of the module's. */
@Controller('integrations')
class IntegrationsController {
  constructor(private readonly subscriptions: WebhookSubscriptions) {}

  @Post()
  connect(@Body() body: { url: unknown }) {
    return this.subscriptions.create({ to: body.url as string, events: 'contact.*' });
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.subscriptions.get(id);
  }

  @Post(':id')
  change(@Param('id') id: string) {
    return this.subscriptions.update(id, { description: 'x' });
  }
}

async function boot(adapter: 'express' | 'fastify'): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        type: 'better-sqlite3',
        database: ':memory:',
        autoLoadEntities: true,
        migrations: [...WEBHOOK_MIGRATIONS],
        migrationsRun: true,
      }),
      WebhooksModule.forRoot({ subscriptions: [{ to: 'https://declared.example.com/hook', events: 'contact.*' }] }),
    ],
    controllers: [IntegrationsController],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter())
      : moduleRef.createNestApplication();
  app.useLogger(false);
  await app.init();
  if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return app;
}

for (const adapter of ['express', 'fastify'] as const) {
  describe(`the module's errors in an application's own controller [${adapter}]`, () => {
    let app: INestApplication;
    beforeAll(async () => (app = await boot(adapter)));
    afterAll(() => app?.close());

    it('answers a validation error 400 with the field named, without any filter of the module', async () => {
      const refused = await request(app.getHttpServer()).post('/integrations').send({ url: 'not a url' });
      expect([refused.status, refused.body.message]).toEqual([400, 'to must be an absolute https:// URL']);
      const blocked = await request(app.getHttpServer()).post('/integrations').send({ url: 'https://127.0.0.1/hook' });
      expect(blocked.status).toBe(400);
      expect(blocked.body.message).toMatch(/^to .*127\.0\.0\.1/);
    });

    it('answers an unknown subscription 404 and a change the configuration owns 409', async () => {
      const missing = await request(app.getHttpServer()).get('/integrations/01a22241-7d69-731a-bc87-1806522ae23a');
      expect(missing.status).toBe(404);
      const declared = (await app.get(WebhookSubscriptions).list({ static: true })).items[0];
      const refused = await request(app.getHttpServer()).post(`/integrations/${declared.id}`);
      expect([refused.status, refused.body.message]).toEqual([409, expect.stringContaining('persistent: true')]);
    });

    it('answers a subscription returned as it is in the vocabulary of the inputs, without internal fields', async () => {
      const created = await request(app.getHttpServer()).post('/integrations').send({ url: 'https://a.example.com/h' });
      expect(created.status).toBe(201);
      expect(Object.keys(created.body).sort()).toEqual([...SUBSCRIPTION_KEYS, 'secret'].sort());
      expect(created.body.secret).toMatch(/^whsec_/);
      expect(created.body).toMatchObject({ owner: null, retry: null, pausedUntil: null, static: false });
      const fetched = await request(app.getHttpServer()).get(`/integrations/${created.body.id}`);
      expect(Object.keys(fetched.body).sort()).toEqual(SUBSCRIPTION_KEYS);
      const declared = (await app.get(WebhookSubscriptions).list({ static: true })).items[0];
      const shown = await request(app.getHttpServer()).get(`/integrations/${declared.id}`);
      expect(Object.keys(shown.body).sort()).toEqual(SUBSCRIPTION_KEYS);
      expect(shown.body.static).toBe(true);
      // The same shape as the admin API's: one vocabulary for what goes in and what comes out.
      expect(JSON.stringify(shown.body)).not.toMatch(/staticKey|secrets|ownerId|retryPolicy/);
    });
  });
}
