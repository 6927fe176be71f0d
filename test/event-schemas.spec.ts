import { Injectable } from '@nestjs/common';
import { ApiProperty, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Type } from 'class-transformer';
import { IsArray, IsEmail, IsEnum, IsInt, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWebhooksToDocument,
  WebhookDeliveryAttempt,
  WebhookEvent,
  WebhookEventCatalog,
  WebhookPayloadSchemaError,
  WebhooksConfigurationError,
  WebhooksModule,
  type WebhooksModuleOptions,
} from '../lib';
import { schemaOfClass } from '../lib/match/catalog/class-schema.builder';
import { exampleOfSchema } from '../lib/match/catalog/schema-example.util';
import { type AdminTestApp, createAdminTestApp } from './support/admin-app';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';

class AddressPayload {
  @IsString()
  zip!: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  city?: string;
}

class LinePayload {
  @IsString()
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

enum Channel {
  Web = 'web',
  Shop = 'shop',
}

class OrderPayload {
  @IsInt()
  @Min(1)
  id!: number;

  @IsEmail()
  email!: string;

  @ValidateNested()
  @Type(() => AddressPayload)
  address!: AddressPayload;

  @IsArray()
  @IsString({ each: true })
  tags!: string[];

  @IsEnum(Channel)
  channel!: Channel;

  @ApiProperty({ description: 'Total in cents.', example: 1999 })
  @IsInt()
  total!: number;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => LinePayload)
  lines?: LinePayload[];
}

/** Documented with @nestjs/swagger only. */
class RefundPayload {
  @ApiProperty({ description: 'The order refunded.', minimum: 1 })
  orderId!: number;

  @ApiProperty({ required: false, enum: ['damaged', 'late'] })
  reason?: string;

  @ApiProperty({ type: [AddressPayload] })
  returns!: AddressPayload[];
}

const INVOICE_SCHEMA = {
  type: 'object',
  required: ['number', 'amount'],
  properties: {
    number: { type: 'string', pattern: '^INV-', examples: ['INV-1'] },
    amount: { type: 'number', minimum: 0 },
  },
  additionalProperties: false,
};

const validOrder = (): OrderPayload => ({
  id: 7,
  email: 'ada@example.com',
  address: { zip: '75001', city: 'Paris' },
  tags: ['gift'],
  channel: Channel.Web,
  total: 1999,
  lines: [{ sku: 'A-1', quantity: 2 }],
});

const ORDER_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1 },
    email: { type: 'string', format: 'email' },
    address: { $ref: '#/$defs/AddressPayload' },
    tags: { type: 'array', items: { type: 'string' } },
    channel: { enum: ['web', 'shop'], type: 'string' },
    total: { type: 'integer', description: 'Total in cents.', example: 1999 },
    lines: { type: 'array', items: { $ref: '#/$defs/LinePayload' } },
  },
  required: ['id', 'email', 'address', 'tags', 'channel', 'total'],
  $defs: {
    AddressPayload: {
      type: 'object',
      properties: { zip: { type: 'string' }, city: { type: 'string', maxLength: 40 } },
      required: ['zip'],
    },
    LinePayload: {
      type: 'object',
      properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      required: ['sku', 'quantity'],
    },
  },
};

const ajv = () => {
  const instance = new Ajv2020({ strict: false, allErrors: true });
  addFormats(instance);
  return instance;
};

describe('schemas of payload classes', () => {
  it('derives a JSON schema from class-validator metadata, nested classes in $defs, @ApiProperty on top', () => {
    expect(schemaOfClass(OrderPayload)).toEqual(ORDER_SCHEMA);
  });

  it('derives one from @nestjs/swagger metadata alone', () => {
    expect(schemaOfClass(RefundPayload)).toEqual({
      type: 'object',
      properties: {
        orderId: { type: 'number', minimum: 1, description: 'The order refunded.' },
        reason: { type: 'string', enum: ['damaged', 'late'] },
        returns: { type: 'array', items: { $ref: '#/$defs/AddressPayload' } },
      },
      required: ['orderId', 'returns'],
      $defs: { AddressPayload: ORDER_SCHEMA.$defs.AddressPayload },
    });
  });

  it('describes a class that contains itself with a reference to the root', () => {
    class Category {
      @IsString()
      name!: string;

      @IsOptional()
      @ValidateNested({ each: true })
      @Type(() => Category)
      children?: Category[];
    }
    const schema = schemaOfClass(Category)!;
    expect(schema).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
      required: ['name'],
    });
    const validate = ajv().compile(schema);
    expect(validate({ name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] })).toBe(true);
    expect(validate({ name: 'a', children: [{ name: 'b', children: [{ name: 3 }] }] })).toBe(false);
    expect(validate(exampleOfSchema(schema))).toBe(true);
  });

  it('gives null for a class without metadata', () => {
    class Plain {
      id = 1;
    }
    expect(schemaOfClass(Plain)).toBeNull();
  });

  it('makes examples that match their schema', () => {
    for (const schema of [ORDER_SCHEMA, schemaOfClass(RefundPayload)!, INVOICE_SCHEMA]) {
      const validate = ajv().compile(schema);
      const example = exampleOfSchema(schema);
      expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(exampleOfSchema(ORDER_SCHEMA)).toMatchObject({ id: 1, email: 'user@example.com', total: 1999 });
  });
});

describe('payloadValidation options', () => {
  it.each<[unknown, string, RegExp]>([
    [{ payloadValidation: 'yes' }, 'payloadValidation', /"strict" or "off"/],
    [{ eventTypes: [{ name: 'a.b', validate: true }] }, 'eventTypes[0].validate', /"strict" or "off"/],
    [{ eventTypes: [{ name: 'a.b', payloadType: {} }] }, 'eventTypes[0].payloadType', /a class/],
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

@Entity({ name: 'schema_spec_orders' })
class OrderRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  ref!: string;
}

@Injectable()
class OrderService {
  @WebhookEvent('order.created')
  async create(order: unknown): Promise<unknown> {
    return order;
  }

  @WebhookEvent('refund.issue', { payloadType: RefundPayload, description: 'A refund was issued.' })
  async refund(refund: unknown): Promise<unknown> {
    return refund;
  }
}

const schemaOptions = (extra: WebhooksModuleOptions = {}): WebhooksModuleOptions => ({
  targets: { allowHttp: true, allowPrivateNetworks: true },
  eventTypes: [
    { name: 'order.created', description: 'An order was placed.', payloadType: OrderPayload },
    { name: 'invoice.paid', schema: INVOICE_SCHEMA, example: { number: 'INV-1', amount: 10 } },
    // Declared with a schema but never checked, whatever the module's mode.
    { name: 'audit.write', schema: { type: 'object', required: ['who'] }, validate: 'off' },
  ],
  ...extra,
});

async function schemaError(run: () => Promise<unknown>): Promise<WebhookPayloadSchemaError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookPayloadSchemaError);
    return error as WebhookPayloadSchemaError;
  }
  throw new Error('expected a WebhookPayloadSchemaError');
}

describeEachDatabase('strict payload validation at dispatch', (db) => {
  let strict: TestApp;
  let receiver: TestReceiver;
  const counts = async () => ({
    orders: await strict.dataSource.getRepository(OrderRow).count(),
    attempts: await strict.dataSource.getRepository(WebhookDeliveryAttempt).count(),
  });

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    strict = await createTestApp(db.options, schemaOptions({ payloadValidation: 'strict' }), {
      providers: [OrderService],
      entities: [OrderRow],
      schema: 'synchronize',
    });
    await strict.subscriptions.create({ to: receiver.url('/all'), events: '*' });
  });
  afterAll(async () => {
    await strict?.close();
    await receiver?.close();
  });

  it('names the path in the payload, answers 400, and rolls the caller’s transaction back: nothing written', async () => {
    const before = await counts();
    const bad = { ...validOrder(), address: { zip: 75001 } };
    const error = await schemaError(() =>
      strict.dataSource.transaction(async (manager) => {
        await manager.save(OrderRow, { ref: 'A-1' });
        await strict.dispatcher.dispatch('order.created', bad, { manager });
      }),
    );
    expect(error.path).toBe('payload.address.zip');
    expect(error.event).toBe('order.created');
    expect(error.message).toBe(
      'The payload of "order.created" does not match its schema: payload.address.zip must be string.',
    );
    expect([error.status, error.statusCode]).toEqual([400, 400]);
    expect(await counts()).toEqual(before);
  });

  it('lists every problem: missing properties, enums, items, formats, bounds', async () => {
    const bad = { ...validOrder(), email: 'nope', channel: 'fax', tags: ['ok', 3], lines: [{ sku: 'x', quantity: 0 }] };
    delete (bad as Partial<OrderPayload>).id;
    const error = await schemaError(() => strict.dispatcher.dispatch('order.created', bad));
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { path: 'payload.id', message: 'is required' },
        { path: 'payload.email', message: 'must match format "email"' },
        { path: 'payload.tags[1]', message: 'must be string' },
        { path: 'payload.channel', message: 'must be equal to one of the allowed values: "web", "shop"' },
        { path: 'payload.lines[0].quantity', message: 'must be >= 1' },
      ]),
    );
    const extra = await schemaError(() =>
      strict.dispatcher.dispatch('invoice.paid', { number: 'INV-2', amount: 1, note: 'x' }),
    );
    expect([extra.path, extra.problems[0].message]).toEqual(['payload.note', 'is not allowed by the schema']);
    expect((await schemaError(() => strict.dispatcher.dispatch('invoice.paid', 'x'))).message).toMatch(
      /: payload must be object\.$/,
    );
  });

  it('fails a @WebhookEvent method whose result does not match, writing nothing', async () => {
    const before = await counts();
    const error = await schemaError(() => strict.module.get(OrderService).refund({ orderId: 'seven', returns: [] }));
    expect(error.path).toBe('payload.orderId');
    expect(await counts()).toEqual(before);
  });

  it('sends what matches (dates as JSON carries them), and leaves event types without a schema or with validate off alone', async () => {
    const sent = receiver.received().length;
    await strict.dataSource.transaction(async (manager) => {
      await manager.save(OrderRow, { ref: 'A-2' });
      await strict.dispatcher.dispatch('order.created', validOrder(), { manager });
    });
    await strict.module.get(OrderService).refund({ orderId: 7, returns: [{ zip: '1' }], at: new Date() });
    await strict.dispatcher.dispatch('audit.write', { nobody: true });
    await strict.dispatcher.dispatch('free.form', 42);
    await receiver.waitFor(sent + 4);
    expect(
      receiver
        .received()
        .slice(sent)
        .map((r) => JSON.parse(r.body) as unknown),
    ).toEqual(
      expect.arrayContaining([
        validOrder(),
        { nobody: true },
        42,
        expect.objectContaining({ orderId: 7, at: expect.any(String) }),
      ]),
    );
  });

  it('checks nothing when payloadValidation is off', async () => {
    const lax = await createTestApp(await db.another(), schemaOptions());
    try {
      await expect(lax.dispatcher.dispatch('order.created', { address: { zip: 1 } })).resolves.toBeDefined();
      expect(lax.module.get(WebhookEventCatalog).get('order.created')?.validated).toBe(false);
    } finally {
      await lax.close();
    }
  });
});

describe('a schema ajv cannot compile', () => {
  it('fails the startup naming the event', async () => {
    const { DataSource } = await import('typeorm');
    void DataSource;
    await expect(
      createTestApp(
        { type: 'better-sqlite3', database: ':memory:' },
        {
          payloadValidation: 'strict',
          eventTypes: [{ name: 'broken.schema', schema: { type: 'nonsense' } }],
        },
      ),
    ).rejects.toThrow(/The JSON schema of event "broken.schema" cannot be compiled/);
  });
});

describeEachDatabase(
  'the catalog, the admin API and the OpenAPI webhooks document',
  (db) => {
    let admin: AdminTestApp;

    beforeAll(async () => {
      admin = await createAdminTestApp(db.options, schemaOptions({ payloadValidation: 'strict' }), {
        providers: [OrderService],
      });
    });
    afterAll(() => admin?.close());

    it('the catalog serves each schema and an example', () => {
      const catalog = admin.app.get(WebhookEventCatalog);
      expect(catalog.get('order.created')).toEqual({
        name: 'order.created',
        description: 'An order was placed.',
        schema: ORDER_SCHEMA,
        example: exampleOfSchema(ORDER_SCHEMA),
        validated: true,
        sources: ['option', 'event:OrderService.create'],
      });
      expect(catalog.get('invoice.paid')).toMatchObject({ example: { number: 'INV-1', amount: 10 }, validated: true });
      expect(catalog.get('refund.issue')).toMatchObject({
        description: 'A refund was issued.',
        schema: schemaOfClass(RefundPayload),
        validated: true,
      });
      expect(catalog.get('audit.write')?.validated).toBe(false);
    });

    it('the admin API lists schemas and examples, and serves the OpenAPI document', async () => {
      const list = await admin.http().get('/webhooks/event-types').set('x-user', 'u').expect(200);
      const order = (list.body.items as Array<Record<string, unknown>>).find((t) => t.name === 'order.created');
      expect(order).toMatchObject({ schema: ORDER_SCHEMA, example: exampleOfSchema(ORDER_SCHEMA), validated: true });
      const document = await admin.http().get('/webhooks/event-types/openapi.json').set('x-user', 'u').expect(200);
      expect(document.body).toEqual(JSON.parse(JSON.stringify(admin.app.get(WebhookEventCatalog).openApiDocument())));
    });

    it('the OpenAPI 3.1 document has one webhook per event type, with the headers, schema and a valid example', () => {
      const catalog = admin.app.get(WebhookEventCatalog);
      const document = catalog.openApiDocument({ title: 'Shop webhooks' });
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.webhooks).sort()).toEqual(catalog.list().map((t) => t.name));
      // Every payload schema and example checked with the document as the root of its references.
      const validator = ajv();
      validator.addSchema({ $id: 'https://example.com/openapi', components: document.components });
      for (const [event, item] of Object.entries(document.webhooks)) {
        const post = item.post as {
          parameters: Array<{ name: string; in: string; required: boolean }>;
          requestBody: { required: boolean; content: Record<string, { schema: { $ref: string }; example?: unknown }> };
          responses: Record<string, unknown>;
        };
        expect(post.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
          ['webhook-id', 'header', true],
          ['webhook-timestamp', 'header', true],
          ['webhook-signature', 'header', true],
        ]);
        expect(Object.keys(post.responses)).toContain('2XX');
        const { schema, example } = post.requestBody.content['application/json'];
        expect(schema.$ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9]+WebhookPayload$/);
        const validate = validator.compile({ $ref: `https://example.com/openapi${schema.$ref}` });
        if (catalog.get(event)!.schema)
          expect(validate(example), `${event}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      // References point into components only: nested classes were hoisted from $defs.
      expect(JSON.stringify(document)).not.toContain('#/$defs/');
      expect(document.components.schemas.AddressPayload).toEqual(ORDER_SCHEMA.$defs.AddressPayload);
      expect(document.components.schemas.OrderCreatedWebhookPayload).toMatchObject({
        properties: { address: { $ref: '#/components/schemas/AddressPayload' } },
      });
    });

    it('merges into the application’s own @nestjs/swagger document', () => {
      const document = SwaggerModule.createDocument(admin.app, new DocumentBuilder().setTitle('shop').build());
      const paths = Object.keys(document.paths);
      addWebhooksToDocument(document, admin.app, { envelope: 'standard' });
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths)).toEqual(paths);
      const webhooks = (document as unknown as { webhooks: Record<string, any> }).webhooks;
      expect(Object.keys(webhooks)).toContain('order.created');
      expect(webhooks['order.created'].post.requestBody.content['application/json'].schema).toEqual({
        type: 'object',
        required: ['type', 'timestamp', 'data'],
        properties: {
          type: { const: 'order.created' },
          timestamp: { type: 'string', format: 'date-time' },
          data: { $ref: '#/components/schemas/OrderCreatedWebhookPayload' },
        },
      });
      // The admin API's own schemas stay beside the payload schemas.
      expect(Object.keys(document.components!.schemas!)).toEqual(
        expect.arrayContaining(['OrderCreatedWebhookPayload', 'AddressPayload', 'WebhookEventTypeResponse']),
      );
    });
  },
  ['sqlite'],
);
