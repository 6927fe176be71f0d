import { Injectable } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookEvent, WebhookResource, WebhookValidationError } from '../lib';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

@WebhookResource('ticket', { orderingKey: true })
@Entity('test_tickets')
class Ticket {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  title!: string;
}

@Injectable()
class OrdersService {
  @WebhookEvent('order.ship', { orderingKey: (order: { id: string }) => order.id })
  ship(id: string) {
    return { id, shipped: true };
  }

  @WebhookEvent('order.note', { orderingKey: 'notes' })
  note(text: string) {
    return { text };
  }
}

// The raising side of ordering on one database: each way of giving a key stores it with the attempts. The
// order itself is proven on every database by the store contracts and test/faults/ordering.spec.ts.
describeEachDatabase(
  'ordering keys',
  (db) => {
    let app: TestApp;
    let receiver: TestReceiver;

    beforeAll(async () => {
      receiver = await TestReceiver.start();
      app = await createTestApp(
        db.options,
        { targets: { allowHttp: true, allowPrivateNetworks: true } },
        {
          schema: 'synchronize',
          entities: [Ticket],
          imports: [TypeOrmModule.forFeature([Ticket])],
          providers: [OrdersService],
        },
      );
    });
    afterAll(async () => {
      await app?.close();
      await receiver?.close();
    });

    const keysOf = async (subscriptionId: string) =>
      (await app.attempts.list(subscriptionId, { limit: 50 })).items
        .map((a) => [a.event, a.orderingKey] as const)
        .reverse();

    it('comes from dispatch(), @WebhookEvent (a string or a function) and @WebhookResource (true: the id)', async () => {
      const s = await app.subscriptions.create({ to: receiver.url('/keys'), events: '*' });
      await app.dispatcher.dispatch('order.create', { id: 'o-1' }, { orderingKey: 'o-1' });
      await app.dispatcher.dispatch('order.create', { id: 'o-2' }, { orderingKey: 42 });
      await app.dispatcher.dispatch('order.create', { id: 'o-3' });
      const service = app.module.get(OrdersService);
      service.ship('o-1');
      service.note('hello');
      const tickets = app.dataSource.getRepository(Ticket);
      const ticket = await tickets.save(tickets.create({ title: 'first' }));
      await app.engine.whenIdle();
      expect(await keysOf(s.id)).toEqual([
        ['order.create', 'o-1'],
        ['order.create', '42'],
        ['order.create', null],
        ['order.ship', 'o-1'],
        ['order.note', 'notes'],
        ['ticket.create', String(ticket.id)],
      ]);
      expect(receiver.received('/keys')).toHaveLength(6);
    });

    it('refuses a key that is not 1 to 255 characters with a 400 naming orderingKey', async () => {
      for (const key of ['', 'x'.repeat(256), {} as string]) {
        const error = await app.dispatcher.dispatch('order.create', {}, { orderingKey: key }).catch((e: Error) => e);
        expect(error).toBeInstanceOf(WebhookValidationError);
        expect(error).toMatchObject({ field: 'orderingKey' });
      }
    });
  },
  ['sqlite'],
);
