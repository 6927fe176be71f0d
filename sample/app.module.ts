import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WEBHOOK_MIGRATIONS, WebhooksModule } from '../lib';
import { adminPrincipal, SampleApiKeyGuard } from './auth/api-key.guard';
import { SampleWebhookAuthorizer } from './auth/sample-webhook.authorizer';
import { SampleSignInController } from './auth/sign-in.controller';
import { SAMPLE_PORTAL_LINK_KEY } from './auth/sample-principals';
import { ContactsModule } from './contacts/contacts.module';
import { CreateContacts1764400000000 } from './contacts/migrations/1764400000000-create-contacts.migration';
import { OperationsModule } from './operations/operations.module';
import { ReceiverModule } from './receiver/receiver.module';

/**
 * The sample application: contacts of NOAA's offices whose changes are sent as webhooks, on an embedded
 * SQLite database, with the admin API on. In an application the imports are `from 'nestjs-webhooks'`.
 */
@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      // In memory: every run starts from an empty database. A file name keeps the data across runs; then add
      // enableWAL: true and synchronous = NORMAL, as docs/multiple-instances.md shows (the module warns without).
      database: ':memory:',
      autoLoadEntities: true,
      migrations: [...WEBHOOK_MIGRATIONS, CreateContacts1764400000000],
      migrationsRun: true,
    }),
    WebhooksModule.forRoot({
      // DEVELOPMENT ONLY: the sample's receiver listens on http://127.0.0.1. In production leave both off:
      // targets must then be https:// and public, which is what protects you from SSRF.
      targets: { allowHttp: true, allowPrivateNetworks: true },
      // Retries are picked up by a poll; a short one lets the sample's retries show within a second
      // (the default, 1000 ms, suits production).
      delivery: { pollInterval: 100 },
      // Owned subscriptions reach their owner only where the owner may see the contact.
      authorization: { authorizer: SampleWebhookAuthorizer },
      // The admin API under /webhooks, for callers with an API key (x-api-key: sample-admin or oun-manager),
      // and the web portal under /webhooks/portal: for them too, and for whoever gets a portal link.
      admin: {
        guards: [SampleApiKeyGuard],
        principal: adminPrincipal,
        portal: { title: 'NOAA webhooks', pollInterval: 2_000, links: { keys: [SAMPLE_PORTAL_LINK_KEY] } },
      },
    }),
    ContactsModule,
    ReceiverModule,
    OperationsModule,
  ],
  controllers: [SampleSignInController],
})
export class AppModule {}
