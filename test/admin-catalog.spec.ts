import { Injectable } from '@nestjs/common';
import { Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WebhookEvent,
  WebhookEventCatalog,
  WebhookResource,
  WebhooksConfigurationError,
  WebhooksModule,
  WebhookValidationError,
  type WebhooksModuleOptions,
} from '../lib';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';

@Injectable()
class ShipmentService {
  @WebhookEvent('shipment.send', { description: 'From the decorator.', schema: { type: 'object' } })
  @WebhookEvent('shipment.arrive')
  send() {
    return { ok: true };
  }
}

@WebhookResource('parcel')
@Entity({ name: 'catalog_spec_parcels' })
class Parcel {
  @PrimaryGeneratedColumn()
  id!: number;
}

async function validationError(fn: () => Promise<unknown>): Promise<WebhookValidationError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookValidationError);
    return error as WebhookValidationError;
  }
  throw new Error('expected a WebhookValidationError');
}

describe('eventTypes / strictEventTypes options', () => {
  it.each<[unknown, string, RegExp]>([
    [{ eventTypes: 'contact.create' }, 'eventTypes', /list of \{ name, description\?, schema\? \}/],
    [{ eventTypes: ['contact.create'] }, 'eventTypes[0]', /an object/],
    [{ eventTypes: [{ name: 'Contact.Create' }] }, 'eventTypes[0].name', /noun\.verb/],
    [{ eventTypes: [{ name: 'contact.*' }] }, 'eventTypes[0].name', /noun\.verb/],
    [{ eventTypes: [{ name: 'a.b' }, { name: 'a.b' }] }, 'eventTypes[1].name', /listed once only/],
    [
      { eventTypes: [{ name: 'a.b', title: 'x' }] },
      'eventTypes[0].title',
      /Known options: name, description, schema, payloadType, example, validate/,
    ],
    [{ eventTypes: [{ name: 'a.b', description: 'x'.repeat(1025) }] }, 'eventTypes[0].description', /at most 1024/],
    [{ eventTypes: [{ name: 'a.b', schema: [] }] }, 'eventTypes[0].schema', /JSON schema object/],
    [{ strictEventTypes: 'yes' }, 'strictEventTypes', /true or false/],
  ])('rejects %j naming %s', (options, option, message) => {
    try {
      WebhooksModule.forRoot(options as WebhooksModuleOptions);
      throw new Error('expected a WebhooksConfigurationError');
    } catch (error) {
      expect(error).toBeInstanceOf(WebhooksConfigurationError);
      expect((error as WebhooksConfigurationError).option).toBe(option);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describeEachDatabase(
  'WebhookEventCatalog',
  (db) => {
    let strict: TestApp;
    let lax: TestApp;
    let empty: TestApp;
    const catalogOptions: WebhooksModuleOptions = {
      eventTypes: [
        { name: 'shipment.send', description: 'From the option.' },
        { name: 'invoice.void', schema: { type: 'object' } },
      ],
      subscriptions: [{ to: 'https://static.example.com', events: ['audit.write', 'audit.*'] }],
    };

    beforeAll(async () => {
      strict = await createTestApp(
        db.options,
        { ...catalogOptions, strictEventTypes: true },
        { providers: [ShipmentService], entities: [Parcel] },
      );
      lax = await createTestApp(await db.another(), catalogOptions, {
        providers: [ShipmentService],
        entities: [Parcel],
      });
      empty = await createTestApp(await db.another(), { strictEventTypes: true });
    });
    afterAll(async () => {
      await strict?.close();
      await lax?.close();
      await empty?.close();
    });

    it('gathers the option, @WebhookEvent methods, @WebhookResource entities and static subscriptions', () => {
      const catalog = strict.module.get(WebhookEventCatalog);
      expect(catalog.list().map((e) => e.name)).toEqual([
        'audit.write',
        'invoice.void',
        'parcel.create',
        'parcel.delete',
        'parcel.update',
        'shipment.arrive',
        'shipment.send',
      ]);
      // The option's description comes first; the decorator's schema fills what the option left out.
      expect(catalog.get('shipment.send')).toEqual({
        name: 'shipment.send',
        description: 'From the option.',
        schema: { type: 'object' },
        example: {},
        validated: false,
        sources: ['option', 'event:ShipmentService.send'],
      });
      expect(catalog.get('parcel.update')).toMatchObject({
        description: 'A parcel was updated.',
        sources: ['resource:parcel'],
      });
      expect(catalog.get('audit.write')?.sources).toEqual(['subscription']);
      expect(catalog.has('shipment.arrive')).toBe(true);
      expect(catalog.has('shipment.lose')).toBe(false);
    });

    it('says which patterns match a cataloged event', () => {
      const catalog = strict.module.get(WebhookEventCatalog);
      expect(['*', 'parcel.*', '*.void', 'shipment.send'].map((p) => catalog.accepts(p))).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(['billing.*', '*.explode', 'shipment.lose'].map((p) => catalog.accepts(p))).toEqual([false, false, false]);
      expect(empty.module.get(WebhookEventCatalog).accepts('*')).toBe(false);
    });

    it('makes WebhookSubscriptions refuse unknown events when strict, naming events[i], and store nothing', async () => {
      const before = (await strict.subscriptions.list({ limit: 500 })).items.length;
      const error = await validationError(() =>
        strict.subscriptions.create({ to: 'https://x.example.com', events: ['parcel.*', 'parcel.explode'] }),
      );
      expect(error.field).toBe('events[1]');
      expect(error.reason).toMatch(/strictEventTypes is on; known: audit\.write, invoice\.void, parcel\.create/);
      expect((await strict.subscriptions.list({ limit: 500 })).items.length).toBe(before);

      const sub = await strict.subscriptions.create({ to: 'https://x.example.com', events: ['parcel.*'] });
      const update = await validationError(() => strict.subscriptions.update(sub.id, { events: ['billing.*'] }));
      expect(update.field).toBe('events[0]');
      expect((await strict.subscriptions.get(sub.id)).events).toEqual(['parcel.*']);

      const none = await validationError(() =>
        empty.subscriptions.create({ to: 'https://x.example.com', events: '*' }),
      );
      expect([none.field, none.reason]).toEqual([
        'events[0]',
        expect.stringMatching(/declare forRoot\(\{ eventTypes \}\)/),
      ]);
    });

    it('accepts any event when not strict', async () => {
      const sub = await lax.subscriptions.create({ to: 'https://x.example.com', events: ['billing.explode'] });
      expect(sub.events).toEqual(['billing.explode']);
      expect(lax.module.get(WebhookEventCatalog).strict).toBe(false);
    });
  },
  ['sqlite'],
);
