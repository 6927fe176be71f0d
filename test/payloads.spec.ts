import { Injectable, Scope } from '@nestjs/common';
import { Exclude, Expose, Transform } from 'class-transformer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhooksConfigurationError } from '../lib/core/errors/webhooks.errors';
import { WebhookPayloadError } from '../lib/core/errors/webhook-payload.error';
import { serializeJsonPayload, toPlainPayload } from '../lib/deliver/dialects/payload.serializer';
import { isWebhookPayload, webhookResourceOf } from '../lib/enqueue/payloads/payload.metadata';
import { WebhookPayloadShaper } from '../lib/enqueue/payloads/webhook-payload-shaper.decorator';
import { WebhookPayload } from '../lib/enqueue/payloads/webhook-payload.decorator';
import { type WebhookShapeContext } from '../lib/options/payload-shaper.interface';
import { type WebhookPayloadOptions } from '../lib/options/webhook-payload-options.interface';
import { createPayloadHarness, declareResource, type PayloadHarness } from './support/dialect-harness';

/** The seed's employees.py: an Employee is named by its container. */
class Employee {
  name = '';
  lastModified?: Date;
}
declareResource(Employee, 'employee');

function employee(name = 'Bob', factory: new () => Employee = Employee): Employee {
  return Object.assign(new factory(), { name });
}

let harness: PayloadHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function payloadError(fn: () => unknown): WebhookPayloadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookPayloadError);
    return error as WebhookPayloadError;
  }
  throw new Error('expected a WebhookPayloadError');
}

describe('payload shaper priority (the seed customizing_payloads.rst, employee "Bob")', () => {
  it('climbs the levels from the object itself to the named shaper for the event', async () => {
    harness = await createPayloadHarness();
    const { shapers } = harness;
    const body = (factory?: new () => Employee, name?: string) =>
      harness!.render(employee(name, factory), 'employee.create').body;

    // 6. No shaper: the object itself.
    expect(body()).toBe('{"name":"Bob"}');

    // 5. A shaper for the type, no dialect ("single_adapter").
    const single = shapers.add({ for: Employee, shape: (e: Employee) => e.name });
    expect(body()).toBe('"Bob"');
    expect(body(undefined, 'Susan')).toBe('"Susan"');

    // 4. A shaper for the type under the dialect's name ("named_single_adapter").
    const namedSingle = shapers.add({ for: Employee, dialect: 'default', shape: () => 'An Employee' });
    expect(body()).toBe('"An Employee"');

    // 3. An object that already is a payload is sent as it is, without the single shapers.
    @WebhookPayload()
    class PayloadFactory extends Employee {}
    expect(isWebhookPayload(employee('Bob', PayloadFactory))).toBe(true);
    expect(body(PayloadFactory)).toBe('{"name":"Bob"}');

    // 2. A shaper for the type and the event beats the object being a payload ("multi_adapter").
    const pair = shapers.add({ for: Employee, event: 'employee.create', shape: () => 'employee-and-event' });
    expect(body()).toBe('"employee-and-event"');
    expect(body(PayloadFactory)).toBe('"employee-and-event"');

    // 1. The same under the dialect's name ("named_multi_adapter").
    const namedPair = shapers.add({
      for: Employee,
      event: 'employee.create',
      dialect: 'default',
      shape: () => 'named-employee-and-event',
    });
    expect(body()).toBe('"named-employee-and-event"');

    // Other events and dialects fall to the levels that still match.
    expect(harness.render(employee(), 'employee.update').body).toBe('"An Employee"');
    expect(JSON.parse(harness.render(employee(), 'employee.create', 'standard').body).data).toBe('employee-and-event');
    expect(JSON.parse(harness.render(employee(), 'employee.update', 'standard').body).data).toBe('Bob');

    // Cleanup, highest first, walks back down the ladder.
    namedPair();
    expect(body()).toBe('"employee-and-event"');
    pair();
    expect(body()).toBe('"An Employee"');
    namedSingle();
    expect(body()).toBe('"Bob"');
    single();
    expect(body()).toBe('{"name":"Bob"}');
  });

  it('falls through a shaper that returns undefined, within a level and across levels', async () => {
    harness = await createPayloadHarness();
    const calls: string[] = [];
    harness.shapers.add({
      for: Employee,
      event: 'employee.create',
      dialect: 'default',
      shape: () => (calls.push('named-pair'), undefined),
    });
    harness.shapers.add({ for: 'employee', event: 'employee.create', shape: () => (calls.push('pair-1'), undefined) });
    harness.shapers.add({
      for: Employee,
      event: 'employee.*',
      shape: (e: Employee) => (calls.push('pair-2'), `pattern:${e.name}`),
    });
    harness.shapers.add({ for: Employee, shape: () => (calls.push('single'), 'single') });
    expect(harness.render(employee(), 'employee.create').body).toBe('"pattern:Bob"');
    expect(calls).toEqual(['named-pair', 'pair-1', 'pair-2']);
    calls.length = 0;
    expect(harness.render(employee(), 'contact.create').body).toBe('"single"');
    expect(calls).toEqual(['single']);
  });

  it('sends null when a shaper returns null (only undefined declines)', async () => {
    harness = await createPayloadHarness();
    harness.shapers.add({ for: Employee, shape: () => null });
    expect(harness.render(employee(), 'employee.create').body).toBe('null');
  });

  it('prefers the nearest class, then the most specific event, then the first registered', async () => {
    class Manager extends Employee {
      reports: string[] = [];
    }
    harness = await createPayloadHarness();
    harness.shapers.add({ for: Employee, event: 'employee.create', shape: () => 'employee, exact event' });
    harness.shapers.add({ for: Manager, event: '*', shape: () => 'manager, any event' });
    harness.shapers.add({ for: Object, event: 'employee.create', shape: () => 'object, exact event' });
    const manager = Object.assign(new Manager(), { name: 'Alice' });
    expect(harness.render(manager, 'employee.create').body).toBe('"manager, any event"');
    expect(harness.render(employee(), 'employee.create').body).toBe('"employee, exact event"');
    expect(harness.render({ plain: true }, 'employee.create').body).toBe('"object, exact event"');

    harness.shapers.add({ for: Employee, event: 'employee.*', shape: () => 'employee, noun pattern' });
    harness.shapers.add({ for: Employee, event: '*.update', shape: () => 'employee, verb pattern' });
    harness.shapers.add({ for: Employee, event: '*.update', shape: () => 'employee, verb pattern, later' });
    expect(harness.render(employee(), 'employee.update').body).toBe('"employee, noun pattern"');
    expect(harness.render(employee(), 'contact.update').body).toBe('"employee, verb pattern"');
  });

  it('matches resource names from the event context and from @WebhookResource metadata, subclasses included', async () => {
    class Contractor extends Employee {}
    declareResource(Contractor, 'contractor');
    harness = await createPayloadHarness();
    const seen: WebhookShapeContext[] = [];
    harness.shapers.add({
      for: 'employee',
      shape: (e: Employee, context) => (seen.push(context), `employee ${e.name}`),
    });
    expect(webhookResourceOf(employee())).toBe('employee');
    expect(harness.render(employee(), 'employee.create').body).toBe('"employee Bob"');
    expect(seen.at(-1)).toEqual({ event: 'employee.create', dialect: 'default', resource: 'employee' });

    // A Contractor is an employee too (its parent class declares it), its own name coming first.
    expect(harness.render(Object.assign(new Contractor(), { name: 'Carl' }), 'contractor.create').body).toBe(
      '"employee Carl"',
    );
    expect(seen.at(-1)?.resource).toBe('contractor');
    harness.shapers.add({ for: 'contractor', shape: () => 'contractor' });
    expect(harness.render(new Contractor(), 'contractor.create').body).toBe('"contractor"');

    // A plain object has a resource only when the event says so.
    expect(harness.render({ name: 'Dana' }, 'employee.create').body).toBe('{"name":"Dana"}');
    expect(harness.render({ name: 'Dana' }, 'employee.create', 'default', 'employee').body).toBe('"employee Dana"');
  });

  it('keeps shapers named for another dialect out', async () => {
    harness = await createPayloadHarness({ dialects: [{ name: 'acme' }] });
    harness.shapers.add({ for: Employee, dialect: ['acme', 'standard'], shape: () => 'for acme' });
    expect(harness.render(employee(), 'employee.create').body).toBe('{"name":"Bob"}');
    expect(harness.render(employee(), 'employee.create', 'acme').body).toBe('"for acme"');
  });
});

describe('registering shapers', () => {
  @Injectable()
  class Greeting {
    prefix = 'Hello';
  }

  @Injectable()
  class EmployeePayloads {
    constructor(private readonly greeting: Greeting) {}

    @WebhookPayloadShaper({ for: Employee })
    summary(e: Employee): string {
      return `${this.greeting.prefix} ${e.name}`;
    }

    @WebhookPayloadShaper({ for: Employee, event: 'employee.create', dialect: 'standard' })
    @WebhookPayloadShaper({ for: 'employee', event: 'employee.delete' })
    created(e: Employee, context: WebhookShapeContext): object {
      return { name: e.name, via: context.event };
    }
  }

  it('discovers @WebhookPayloadShaper provider methods, bound to the injected instance', async () => {
    harness = await createPayloadHarness({}, { providers: [Greeting, EmployeePayloads] });
    expect(harness.render(employee(), 'employee.create').body).toBe('"Hello Bob"');
    expect(JSON.parse(harness.render(employee(), 'employee.create', 'standard').body).data).toEqual({
      name: 'Bob',
      via: 'employee.create',
    });
    expect(harness.render(employee(), 'employee.delete').body).toBe('{"name":"Bob","via":"employee.delete"}');
  });

  it('takes shapers from the options, before the discovered ones on ties', async () => {
    const options: WebhookPayloadOptions = {
      payloadShapers: [{ for: Employee, shape: (e: Employee) => `configured ${e.name}` }],
    };
    harness = await createPayloadHarness(options, { providers: [Greeting, EmployeePayloads] });
    expect(harness.render(employee(), 'employee.create').body).toBe('"configured Bob"');
  });

  it('rejects invalid shaper options, naming the option', async () => {
    const attempts: Array<[WebhookPayloadOptions, string, string]> = [
      [
        { payloadShapers: [{ for: Employee, event: 'Employee Created', shape: () => 1 }] },
        'payloadShapers[0].event',
        'an event name or pattern',
      ],
      [{ payloadShapers: [{ for: undefined as never, shape: () => 1 }] }, 'payloadShapers[0].for', 'circular import'],
      [{ payloadShapers: [{ for: Employee } as never] }, 'payloadShapers[0].shape', 'a function'],
      [
        { payloadShapers: [{ for: Employee, dialect: 'nope', shape: () => 1 }] },
        'payloadShapers[0].dialect',
        'names the dialect "nope"',
      ],
      [
        { payloadShapers: [{ for: Employee, events: 'employee.create', shape: () => 1 } as never] },
        'payloadShapers[0].events',
        'unknown payload shaper option',
      ],
    ];
    for (const [options, option, text] of attempts) {
      let error: unknown;
      try {
        harness = await createPayloadHarness(options);
      } catch (caught) {
        error = caught;
      }
      expect(error, option).toBeInstanceOf(WebhooksConfigurationError);
      expect((error as WebhooksConfigurationError).option).toBe(option);
      expect((error as Error).message).toContain(text);
    }
    expect(() => WebhookPayloadShaper({ for: Employee, dialect: 'bad name' })).toThrow(WebhooksConfigurationError);
    expect(() => {
      class StaticShaper {
        @WebhookPayloadShaper({ for: Employee })
        static shape(): string {
          return 'x';
        }
      }
      return StaticShaper;
    }).toThrow('StaticShaper.shape is static');
  });

  it('rejects a shaper method on a request-scoped provider', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequestShapers {
      @WebhookPayloadShaper({ for: Employee })
      shape(): string {
        return 'x';
      }
    }
    await expect(createPayloadHarness({}, { providers: [PerRequestShapers] })).rejects.toThrow(
      'PerRequestShapers has @WebhookPayloadShaper() methods',
    );
  });

  it('turns a throwing or asynchronous shaper into a WebhookPayloadError naming it and the event', async () => {
    harness = await createPayloadHarness();
    harness.shapers.add(
      { for: Employee, event: 'employee.create', shape: () => Promise.resolve('late') },
      'AsyncShaper',
    );
    harness.shapers.add(
      {
        for: Employee,
        event: 'employee.update',
        shape: () => {
          throw new Error('no manager loaded');
        },
      },
      'ThrowingShaper',
    );
    const late = payloadError(() => harness!.render(employee(), 'employee.create'));
    expect(late.message).toContain('AsyncShaper returned a promise for event "employee.create"');
    const thrown = payloadError(() => harness!.render(employee(), 'employee.update'));
    expect(thrown.message).toBe(
      'The payload shaper ThrowingShaper threw while shaping event "employee.update" for dialect "default": no manager loaded',
    );
    expect((thrown as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
  });
});

describe('serialization', () => {
  class Account {
    id = 7;
    @Exclude()
    passwordHash = 'secret';
    @Expose({ groups: ['admin'] })
    internalNote = 'for admins';
    createdAt = new Date('2024-01-02T03:04:05.006Z');
    @Transform(({ value }) => (value as bigint).toString())
    balance = 12345678901234567890n;
  }

  it('applies class-transformer @Exclude/@Expose/@Transform and the dialect groups, at any depth', async () => {
    harness = await createPayloadHarness({ dialects: [{ name: 'admin', transform: { groups: ['admin'] } }] });
    expect(JSON.parse(harness.render(new Account(), 'account.create').body)).toEqual({
      id: 7,
      createdAt: '2024-01-02T03:04:05.006Z',
      balance: '12345678901234567890',
    });
    expect(JSON.parse(harness.render(new Account(), 'account.create', 'admin').body)).toMatchObject({
      internalNote: 'for admins',
    });
    // Inside a plain object (and so inside the standard envelope) the instance is still transformed.
    const enveloped = JSON.parse(harness.render({ accounts: [new Account()] }, 'account.create', 'standard').body);
    expect(enveloped.data.accounts[0]).not.toHaveProperty('passwordHash');
    expect(enveloped.data.accounts[0].balance).toBe('12345678901234567890');
  });

  it('writes dates as ISO 8601, Maps as objects, Sets as arrays, and honours toJSON()', () => {
    const money = { amount: 5n, toJSON: () => '5.00 EUR' };
    const value = {
      at: new Date(Date.UTC(1973, 10, 29, 21, 33, 9)),
      tags: new Set(['a', 'b']),
      byId: new Map<string | number, unknown>([
        [1, 'one'],
        ['two', new Date(0)],
      ]),
      price: money,
      skipped: undefined,
      list: [undefined, () => 1],
    };
    expect(serializeJsonPayload(value, { event: 'order.create' })).toBe(
      '{"at":"1973-11-29T21:33:09.000Z","tags":["a","b"],"byId":{"1":"one","two":"1970-01-01T00:00:00.000Z"},"price":"5.00 EUR","list":[null,null]}',
    );
  });

  it('refuses a BigInt with the event and the path in the message', async () => {
    harness = await createPayloadHarness();
    const error = payloadError(() => harness!.render({ order: 1, total: 10n }, 'order.create'));
    expect(error.event).toBe('order.create');
    expect(error.path).toBe('payload.total');
    expect(error.message).toMatch(
      /^Cannot serialize the payload of event "order\.create": payload\.total is a BigInt; JSON has no BigInt\./,
    );

    class Line {
      sku = 'x';
      constructor(readonly price: unknown) {}
    }
    const nested = payloadError(() =>
      harness!.render({ items: [new Line(1), new Line(2n)], 'odd key': { deep: NaN } }, 'order.create'),
    );
    expect(nested.path).toBe('payload.items[1].price');
    const nan = payloadError(() => toPlainPayload({ 'odd key': { deep: NaN } }, { event: 'order.create' }));
    expect(nan.path).toBe('payload["odd key"].deep');
    expect(nan.message).toContain('payload["odd key"].deep is NaN');
  });

  it('refuses circular references, naming both ends, with and without class instances', () => {
    const boss: Record<string, unknown> = { name: 'Alice' };
    boss.reports = [{ name: 'Bob', manager: boss }];
    const plain = payloadError(() => serializeJsonPayload(boss, { event: 'employee.update' }));
    expect(plain.message).toContain('payload.reports[0].manager refers back to payload (a circular reference)');

    class Node {
      next?: Node;
      name = 'n';
    }
    const a = new Node();
    const b = new Node();
    a.next = b;
    b.next = a;
    const cyclic = payloadError(() => serializeJsonPayload({ head: a }, { event: 'list.update' }));
    expect(cyclic.message).toContain('payload.head.next.next refers back to payload.head');

    class Parent {
      name = 'p';
      children: Child[] = [];
    }
    class Child {
      @Exclude()
      parent?: Parent;
      name = 'c';
    }
    const parent = new Parent();
    parent.children.push(Object.assign(new Child(), { parent }));
    expect(serializeJsonPayload(parent, { event: 'tree.update' })).toBe('{"name":"p","children":[{"name":"c"}]}');
  });

  it('refuses undefined, invalid dates and infinities', async () => {
    harness = await createPayloadHarness();
    expect(payloadError(() => harness!.render(undefined, 'order.create')).message).toContain('payload is undefined');
    expect(payloadError(() => harness!.render({ at: new Date('nope') }, 'order.create')).path).toBe('payload.at');
    expect(payloadError(() => harness!.render([1, Infinity], 'order.create')).message).toContain(
      'payload[1] is Infinity',
    );
    harness.shapers.add({ for: Employee, shape: () => undefined });
    expect(harness.render(employee(), 'employee.create').body).toBe('{"name":"Bob"}');
  });

  it('serializes once: later changes to the object do not change the rendered body', async () => {
    harness = await createPayloadHarness();
    const bob = employee();
    const message = harness.render(bob, 'employee.create');
    bob.name = 'Robert';
    expect(message.body).toBe('{"name":"Bob"}');
    expect(message.requestFor(3).headers['content-type']).toBe('application/json');
  });

  it('without class-transformer installed, sends the own enumerable properties of class instances', async () => {
    vi.resetModules();
    vi.doMock('../lib/deliver/dialects/class-transformer.loader', () => ({ loadInstanceToPlain: () => null }));
    try {
      const { serializeJsonPayload: serializeWithout } = await import('../lib/deliver/dialects/payload.serializer');
      class Login {
        user = 'bob';
        @Exclude()
        password = 'hunter2';
        at = new Date(0);
      }
      expect(serializeWithout(new Login(), { event: 'login.create' })).toBe(
        '{"user":"bob","password":"hunter2","at":"1970-01-01T00:00:00.000Z"}',
      );
      expect(serializeJsonPayload(new Login(), { event: 'login.create' })).toBe(
        '{"user":"bob","at":"1970-01-01T00:00:00.000Z"}',
      );
    } finally {
      vi.doUnmock('../lib/deliver/dialects/class-transformer.loader');
      vi.resetModules();
    }
  });
});
