import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WEBHOOK_MIGRATIONS, WebhookRegistry, WebhookSubscriptions, WebhooksModule } from '../lib';

@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: ':memory:',
      autoLoadEntities: true,
      migrations: [...WEBHOOK_MIGRATIONS],
      migrationsRun: true,
    }),
    WebhooksModule.forRoot({
      subscriptions: [{ to: 'https://hooks.example.com/all-contacts', events: 'contact.*' }],
    }),
  ],
})
class SampleModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(SampleModule, { logger: ['error', 'warn'] });
  const subscriptions = app.get(WebhookSubscriptions);
  const registry = app.get(WebhookRegistry);
  await subscriptions.create({ to: 'https://hooks.example.com/acme', events: 'contact.create', scope: '/acme' });
  await subscriptions.create({ to: 'https://hooks.example.com/sales', events: '*.create', scope: '/acme/sales' });
  const matched = await registry.match('contact.create', '/acme/sales');
  console.log('contact.create raised in /acme/sales reaches:');
  for (const s of matched) console.log(`  ${s.scope.padEnd(12)} ${s.to}`);
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
