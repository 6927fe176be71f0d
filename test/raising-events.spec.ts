import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { TransactionHost, Transactional, ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsModule } from 'nestjs-cls';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookEvent, WebhookResource, WebhookScope, type WebhooksModuleOptions } from '../lib';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';
import { runTsScript } from './support/ts-script';

@WebhookResource('contact', { scope: (c: Contact) => `/orgs/${c.org}` })
@Entity('test_contacts')
class Contact {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 50 })
  org!: string;
}

@WebhookResource('memo', { events: ['create'] })
@Entity('test_memos')
class Memo {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  text!: string;
}

@Injectable()
class ContactsService {
  constructor(
    @InjectRepository(Contact) private readonly contacts: Repository<Contact>,
    private readonly dataSource: DataSource,
  ) {}

  @WebhookEvent('lead.create', { scope: (lead: { org: string }) => `/orgs/${lead.org}` })
  async createLead(name: string, org: string): Promise<{ name: string; org: string }> {
    return { name, org };
  }

  @WebhookEvent('lead.archive', { payload: (_result, [id]: [number]) => ({ id }) })
  @WebhookEvent('lead.close', { payload: (_result, [id]: [number]) => ({ id, closed: true }) })
  async archiveLead(_id: number): Promise<void> {}

  @WebhookEvent('lead.fail')
  async failing(): Promise<never> {
    throw new Error('nope');
  }

  @WebhookEvent('lead.sync')
  syncLead(name: string): { name: string } {
    return { name };
  }

  @WebhookEvent('lead.skip', { when: (result: { skip: boolean }) => !result.skip })
  async maybe(skip: boolean): Promise<{ skip: boolean }> {
    return { skip };
  }

  @Transactional()
  async createThenFail(name: string): Promise<void> {
    // The inner call's event joins this transaction, so it is rolled back with it.
    await this.createLeadQuietly(name);
    throw new Error('failed after raising');
  }

  @WebhookEvent('lead.transactional')
  async createLeadQuietly(name: string): Promise<{ name: string }> {
    return { name };
  }

  @Transactional()
  @WebhookEvent('lead.transactional')
  async transactional(name: string, fail: boolean): Promise<{ name: string }> {
    if (fail) throw new Error('rolled back');
    return { name };
  }
}

const webhooks = (extra: WebhooksModuleOptions = {}): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true },
  eventEmitter: ['order.*'],
  ...extra,
});

describeEachDatabase('raising events', (db) => {
  let app: TestApp;
  let receiver: TestReceiver;
  let service: ContactsService;
  let contacts: Repository<Contact>;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await createTestApp(db.options, webhooks(), {
      schema: 'synchronize',
      entities: [Contact, Memo],
      imports: [
        TypeOrmModule.forFeature([Contact, Memo]),
        ClsModule.forRoot({
          global: true,
          plugins: [
            new ClsPluginTransactional({
              imports: [],
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
            }),
          ],
        }),
      ],
      providers: [ContactsService],
    });
    service = app.module.get(ContactsService);
    contacts = app.dataSource.getRepository(Contact);
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  const bodies = (path: string) => receiver.received(path).map((r) => JSON.parse(r.body));

  it('raises @WebhookEvent events with the result as payload, in the scope the options give', async () => {
    await app.subscriptions.create({ to: receiver.url('/acme-leads'), events: 'lead.*', scope: '/orgs/acme' });
    await app.subscriptions.create({ to: receiver.url('/other-leads'), events: 'lead.*', scope: '/orgs/other' });
    await expect(service.createLead('Ann', 'acme')).resolves.toEqual({ name: 'Ann', org: 'acme' });
    await app.engine.whenIdle();
    expect(bodies('/acme-leads')).toEqual([{ name: 'Ann', org: 'acme' }]);
    expect(bodies('/other-leads')).toEqual([]);
  });

  it('raises every event of a method with several decorators, from payload functions', async () => {
    await app.subscriptions.create({ to: receiver.url('/archive'), events: ['lead.archive', 'lead.close'] });
    await service.archiveLead(7);
    await app.engine.whenIdle();
    expect(bodies('/archive').sort((a, b) => Number(!!a.closed) - Number(!!b.closed))).toEqual([
      { id: 7 },
      { id: 7, closed: true },
    ]);
  });

  it('raises nothing when the method throws, and respects `when`', async () => {
    await app.subscriptions.create({ to: receiver.url('/never'), events: ['lead.fail', 'lead.skip'] });
    await expect(service.failing()).rejects.toThrow('nope');
    await service.maybe(true);
    await service.maybe(false);
    await app.engine.whenIdle();
    expect(bodies('/never')).toEqual([{ skip: false }]);
  });

  it('keeps synchronous methods synchronous', async () => {
    await app.subscriptions.create({ to: receiver.url('/sync'), events: 'lead.sync' });
    const result = service.syncLead('Sam');
    expect(result).toEqual({ name: 'Sam' });
    await receiver.waitFor(1, '/sync');
    expect(bodies('/sync')).toEqual([{ name: 'Sam' }]);
  });

  it('writes into @nestjs-cls/transactional transactions: sent on commit, never on rollback', async () => {
    await app.subscriptions.create({ to: receiver.url('/cls'), events: 'lead.transactional' });
    await expect(service.transactional('kept', false)).resolves.toEqual({ name: 'kept' });
    await expect(service.transactional('dropped', true)).rejects.toThrow('rolled back');
    await expect(service.createThenFail('inner')).rejects.toThrow('failed after raising');
    await service.createLeadQuietly('outside');
    await receiver.waitFor(2, '/cls');
    await app.engine.whenIdle();
    expect(bodies('/cls')).toEqual([{ name: 'kept' }, { name: 'outside' }]);
    expect(app.module.get(TransactionHost)).toBeDefined();
  });

  it('raises entity lifecycle events from @WebhookResource in the saving transaction', async () => {
    await app.subscriptions.create({ to: receiver.url('/contacts'), events: 'contact.*', scope: '/orgs/acme' });
    const saved = await contacts.save(contacts.create({ name: 'Bob', org: 'acme' }));
    saved.name = 'Robert';
    await contacts.save(saved);
    const id = saved.id;
    await contacts.remove(saved);
    await contacts.save(contacts.create({ name: 'Elsewhere', org: 'other' }));
    await receiver.waitFor(3, '/contacts');
    await app.engine.whenIdle();
    const received = receiver
      .received('/contacts')
      .map((r) => ({ event: r.headers['webhook-id'] && JSON.parse(r.body) }));
    expect(received.map((r) => r.event)).toEqual([
      { id, name: 'Bob', org: 'acme' },
      { id, name: 'Robert', org: 'acme' },
      { id, name: 'Robert', org: 'acme' },
    ]);
    const events = (
      await app.attempts.list(
        (await app.subscriptions.list({ scope: '/orgs/acme', event: 'contact.create' })).items[0].id,
      )
    ).items.map((a) => a.event);
    expect(events.sort()).toEqual(['contact.create', 'contact.delete', 'contact.update']);

    // A rolled-back save raises nothing.
    await expect(
      app.dataSource.transaction(async (manager) => {
        await manager.save(manager.create(Contact, { name: 'Ghost', org: 'acme' }));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await contacts.save(contacts.create({ name: 'Last', org: 'acme' }));
    await receiver.waitFor(4, '/contacts');
    await app.engine.whenIdle();
    expect(bodies('/contacts').map((b) => b.name)).toEqual(['Bob', 'Robert', 'Robert', 'Last']);
  });

  it('raises only the lifecycle events a resource asks for', async () => {
    await app.subscriptions.create({ to: receiver.url('/memos'), events: 'memo.*' });
    const memos = app.dataSource.getRepository(Memo);
    const memo = await memos.save(memos.create({ text: 'a' }));
    memo.text = 'b';
    await memos.save(memo);
    await memos.remove(memo);
    await receiver.waitFor(1, '/memos');
    await app.engine.whenIdle();
    expect(bodies('/memos')).toEqual([{ id: expect.any(Number), text: 'a' }]);
  });

  it('subscribes to a resource in its scope with all its events (subscribe_to_resource)', async () => {
    const bob = contacts.create({ name: 'Bob', org: 'noaa' });
    const sub = await app.subscriptions.subscribeToResource(bob, { to: receiver.url('/resource') });
    expect(sub).toMatchObject({ scope: '/orgs/noaa', events: ['contact.*'] });
    await contacts.save(bob);
    await receiver.waitFor(1, '/resource');
    await expect(app.subscriptions.subscribeToResource({}, { to: receiver.url('/x') })).rejects.toMatchObject({
      field: 'entity',
    });
  });

  it('bridges @nestjs/event-emitter events that match the configured patterns', async () => {
    await app.subscriptions.create({ to: receiver.url('/orders'), events: '*' });
    const emitter = app.module.get(EventEmitter2);
    emitter.emit('order.created', { id: 1 });
    emitter.emit('invoice.created', { id: 2 });
    emitter.emit('Not A Webhook Event', { id: 3 });
    await receiver.waitFor(1, '/orders');
    await app.engine.whenIdle();
    expect(bodies('/orders')).toEqual([{ id: 1 }]);
  });

  it('raises events in the ambient scope', async () => {
    await app.subscriptions.create({ to: receiver.url('/ambient'), events: 'note.add', scope: '/ambient/team' });
    await WebhookScope.run('/ambient/team', () => app.dispatcher.dispatch('note.add', { n: 1 }));
    await app.dispatcher.dispatch('note.add', { n: 2 });
    await app.engine.whenIdle();
    expect(bodies('/ambient')).toEqual([{ n: 1 }]);
  });
});

describe('applications without nestjs-cls', () => {
  it('do not load it, though it is installed: loading it turns on async hooks for every promise of the process', async () => {
    const report = await runTsScript<{ started: boolean; loaded: string[] }>('cls-free-app.ts');
    expect(report.started).toBe(true);
    // The check can fail: the installed package resolves from here.
    expect(require.resolve('@nestjs-cls/transactional')).toContain('@nestjs-cls');
    expect(report.loaded).toEqual([]);
  });
});
