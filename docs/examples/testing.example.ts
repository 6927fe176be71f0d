/**
 * The example of docs/testing.md: an application service that raises a webhook event, and its test with
 * the testing kit. In an application the imports are `from 'nestjs-webhooks'` and
 * `from 'nestjs-webhooks/testing'`.
 */
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_MIGRATIONS, WebhookAttempts, WebhookEvent, WebhookMessages, WebhookSubscriptions } from '../../lib';
import { WebhooksTestingModule, WebhooksTestKit } from '../../lib/testing';

// ---------------------------------------------------------------- the application

export interface Contact {
  id: number;
  name: string;
}

@Injectable()
export class ContactsService {
  private nextId = 1;

  /** Its result is the payload of the `contact.create` webhook. */
  @WebhookEvent('contact.create')
  async create(name: string): Promise<Contact> {
    return { id: this.nextId++, name };
  }
}

@Module({ providers: [ContactsService], exports: [ContactsService] })
export class ContactsModule {}

// ---------------------------------------------------------------- its test

describe('contact webhooks (the example of docs/testing.md)', () => {
  const CRM = 'https://crm.example.com/hooks/contacts';
  let moduleRef: TestingModule;
  let kit: WebhooksTestKit;
  let contacts: ContactsService;
  let subscriptions: WebhookSubscriptions;
  let attempts: WebhookAttempts;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          type: 'better-sqlite3',
          database: ':memory:',
          autoLoadEntities: true,
          migrations: [...WEBHOOK_MIGRATIONS],
          migrationsRun: true,
        }),
        // WebhooksModule.forRoot's options; requests stay in memory and host names resolve offline.
        WebhooksTestingModule.forRoot({ attemptLimit: 5 }),
        ContactsModule,
      ],
    }).compile();
    await moduleRef.init();
    kit = moduleRef.get(WebhooksTestKit);
    contacts = moduleRef.get(ContactsService);
    subscriptions = moduleRef.get(WebhookSubscriptions);
    attempts = moduleRef.get(WebhookAttempts);
  });
  afterEach(() => kit.reset());
  afterAll(() => moduleRef.close());

  it('sends the new contact to the subscriber', async () => {
    await subscriptions.create({ to: CRM, events: 'contact.*' });

    const ada = await contacts.create('Ada');
    await kit.waitForDeliveries();

    expect(kit.requestsTo(CRM)).toHaveLength(1);
    const [request] = kit.requestsTo(CRM);
    expect(request.method).toBe('POST');
    expect(request.header('content-type')).toBe('application/json');
    expect(request.json()).toEqual(ada);
  });

  it('records what the subscriber answered, and stops after too many failures', async () => {
    const crm = await subscriptions.create({ to: `${CRM}/v2`, events: 'contact.create' });
    kit.respondWith(`${CRM}/v2`, { status: 503, body: 'maintenance' });

    await contacts.create('Grace');
    await kit.waitForDeliveries();
    const [first] = (await attempts.list(crm.id)).items;
    expect(first).toMatchObject({ status: 'failed', message: '503 Service Unavailable' });
    expect(first.response?.body).toBe('maintenance');

    // Unreachable from now on: after `attemptLimit` (5) failures in a row the subscription is suspended.
    kit.failRequests(`${CRM}/v2`);
    for (let i = 0; i < 4; i++) await contacts.create(`Contact ${i}`);
    await kit.waitForDeliveries();
    const [last] = (await attempts.list(crm.id)).items;
    expect(last.message).toBe(WebhookMessages.remoteError);
    expect(await subscriptions.get(crm.id)).toMatchObject({
      active: false,
      statusMessage: WebhookMessages.deliveryFailures,
    });
  });

  it('holds deliveries back until released', async () => {
    const crm = await subscriptions.create({ to: `${CRM}/v3`, events: 'contact.create' });
    kit.deferDeliveries();

    await contacts.create('Linus');
    expect((await attempts.list(crm.id)).items.map((a) => a.status)).toEqual(['pending']);
    expect(kit.requestsTo(`${CRM}/v3`)).toHaveLength(0);

    kit.releaseDeliveries();
    await kit.waitForDeliveries();
    expect((await attempts.list(crm.id)).items.map((a) => a.status)).toEqual(['successful']);
  });
});
