import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Scope } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDialectError } from '../lib/core/errors/webhook-dialect.error';
import { DefaultWebhookDialect } from '../lib/deliver/dialects/default.dialect';
import { StandardWebhookDialect } from '../lib/deliver/dialects/standard.dialect';
import { WEBHOOKS_USER_AGENT } from '../lib/deliver/dialects/user-agent.util';
import { validateDialectOptions } from '../lib/options/dialect-definition.validation';
import type {
  WebhookDialectDefinition,
  WebhookRenderContext,
  WebhookTryContext,
} from '../lib/options/webhook-dialect.interface';
import { WebhookDialect } from '../lib';
import { WebhooksConfigurationError, WebhookValidationError } from '../lib/core/errors/webhooks.errors';
import { WebhookPayloadError } from '../lib/core/errors/webhook-payload.error';
import type { WebhookPayloadOptions } from '../lib/options/webhook-payload-options.interface';
import { createPayloadHarness, type PayloadHarness, send, startReceiver } from './support/dialect-harness';

const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

let harness: PayloadHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function configurationError(
  options: WebhookPayloadOptions,
  providers: any[] = [],
): Promise<WebhooksConfigurationError> {
  try {
    harness = await createPayloadHarness(options, { providers });
  } catch (error) {
    expect(error).toBeInstanceOf(WebhooksConfigurationError);
    return error as WebhooksConfigurationError;
  }
  throw new Error('expected a WebhooksConfigurationError at startup');
}

describe('built-in dialects', () => {
  it('default: the body is the serialized payload alone, POSTed as JSON with the package user agent', async () => {
    harness = await createPayloadHarness();
    const message = harness.render({ name: 'Bob', hired: new Date('2024-02-03T04:05:06.007Z') }, 'employee.create');
    expect(message.body).toBe('{"name":"Bob","hired":"2024-02-03T04:05:06.007Z"}');
    expect(message.contentType).toBe('application/json');
    const request = message.requestFor();
    expect(request.method).toBe('POST');
    expect(request.headers).toEqual({ 'content-type': 'application/json', 'user-agent': `nestjs-webhooks/${version}` });
    expect(WEBHOOKS_USER_AGENT).toBe('nestjs-webhooks/0.1.0');
    expect(request.sensitiveHeaders).toEqual(expect.arrayContaining(['authorization', 'cookie']));
  });

  it('standard: the Standard Webhooks envelope { type, timestamp, data }', async () => {
    harness = await createPayloadHarness();
    const message = harness.render({ name: 'Bob' }, 'employee.create', 'standard');
    expect(message.body).toBe(
      '{"type":"employee.create","timestamp":"2025-03-04T05:06:07.089Z","data":{"name":"Bob"}}',
    );
    expect(JSON.parse(message.body).timestamp).toBe(message.context.timestamp.toISOString());
    expect(message.requestFor().headers['user-agent']).toBe(WEBHOOKS_USER_AGENT);
  });

  it('the standard envelope verifies with the standardwebhooks receiver once the sender signs it', async () => {
    // The dialect renders; the sender signs the stored body. Sign here with the reference library to show the
    // rendered body is what a Standard Webhooks receiver parses back.
    harness = await createPayloadHarness();
    const message = harness.render({ name: 'Bob', salary: 100 }, 'employee.create', 'standard');
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const hook = new Webhook(secret);
    const timestamp = new Date();
    const signature = hook.sign(message.context.messageId, timestamp, message.body);
    const verified = hook.verify(message.body, {
      'webhook-id': message.context.messageId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    });
    expect(verified).toEqual({
      type: 'employee.create',
      timestamp: '2025-03-04T05:06:07.089Z',
      data: { name: 'Bob', salary: 100 },
    });
  });

  it('knows its names, and rejects unknown ones as a validation error on the field', async () => {
    harness = await createPayloadHarness({ dialects: [{ name: 'legacy', method: 'PUT' }] });
    expect(harness.dialects.names()).toEqual(['default', 'standard', 'legacy']);
    expect(harness.dialects.has('legacy')).toBe(true);
    expect(harness.dialects.get('nope')).toBeUndefined();
    expect(() => harness!.dialects.assertKnown('standard')).not.toThrow();
    let error: unknown;
    try {
      harness.dialects.assertKnown('legcy', 'subscriptions[0].dialect');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebhookValidationError);
    expect((error as WebhookValidationError).field).toBe('subscriptions[0].dialect');
    expect((error as Error).message).toContain('is not a known dialect (known: default, standard, legacy)');
  });
});

describe('dialects declared as plain options (the seed ZCML directive)', () => {
  it('sends PUT with a custom user agent and fixed headers, over the wire as rendered', async () => {
    harness = await createPayloadHarness({
      dialects: [
        {
          name: 'zcml-dialect',
          method: 'put' as 'PUT',
          userAgent: 'zcml-tests',
          headers: { 'X-Api-Key': 'k-123', Accept: '*/*' },
          sensitiveHeaders: ['X-Api-Key'],
        },
      ],
    });
    const message = harness.render({ name: 'Bob' }, 'employee.create', 'zcml-dialect');
    const request = message.requestFor();
    expect(request.method).toBe('PUT');
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'zcml-tests',
      'x-api-key': 'k-123',
      accept: '*/*',
    });
    expect(request.sensitiveHeaders).toContain('x-api-key');

    const receiver = await startReceiver();
    try {
      expect(await send(receiver.url, message)).toBe(200);
      expect(receiver.received).toHaveLength(1);
      const [seen] = receiver.received;
      expect(seen.method).toBe('PUT');
      expect(seen.headers['user-agent']).toBe('zcml-tests');
      expect(seen.headers['content-type']).toBe('application/json');
      expect(seen.headers['x-api-key']).toBe('k-123');
      expect(seen.body).toBe('{"name":"Bob"}');
    } finally {
      await receiver.close();
    }
  });

  it('extends the standard dialect, and may bring its own envelope and serializer', async () => {
    const definitions: WebhookDialectDefinition[] = [
      { name: 'std-put', extends: 'standard', method: 'PUT' },
      {
        name: 'form',
        contentType: 'application/x-www-form-urlencoded',
        envelope: (payload, context) => ({ event: context.event, ...(payload as object) }),
        serialize: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      },
    ];
    harness = await createPayloadHarness({ dialects: definitions });
    const enveloped = harness.render({ name: 'Bob' }, 'employee.create', 'std-put');
    expect(JSON.parse(enveloped.body)).toEqual({
      type: 'employee.create',
      timestamp: '2025-03-04T05:06:07.089Z',
      data: { name: 'Bob' },
    });
    expect(enveloped.requestFor().method).toBe('PUT');

    const form = harness.render(
      { name: 'Bob Smith', hired: new Date('2024-01-02T00:00:00.000Z') },
      'employee.create',
      'form',
    );
    expect(form.body).toBe('event=employee.create&name=Bob+Smith&hired=2024-01-02T00%3A00%3A00.000Z');
    expect(form.contentType).toBe('application/x-www-form-urlencoded');
    expect(form.requestFor().headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('wraps failures of a custom envelope or serializer in a WebhookPayloadError naming the event', async () => {
    harness = await createPayloadHarness({
      dialects: [
        {
          name: 'bad-envelope',
          envelope: () => {
            throw new Error('boom');
          },
        },
        { name: 'not-text', serialize: () => 42 as unknown as string },
      ],
    });
    expect(() => harness!.render({ a: 1 }, 'employee.create', 'bad-envelope')).toThrow(
      'The envelope of dialect "bad-envelope" failed for event "employee.create": boom',
    );
    let error: unknown;
    try {
      harness.render({ a: 1 }, 'employee.create', 'not-text');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebhookPayloadError);
    expect((error as WebhookPayloadError).event).toBe('employee.create');
    expect((error as Error).message).toContain('returned 42');
  });
});

describe('dialect classes', () => {
  @Injectable()
  class TokenService {
    current(): string {
      return 'tok-1';
    }
  }

  @WebhookDialect('doctests')
  class DoctestDialect extends DefaultWebhookDialect {
    override readonly method = 'PUT';
    override readonly userAgent = 'doctests';
    constructor(private readonly tokens: TokenService) {
      super();
    }
    override readonly headers = (context: WebhookTryContext) => ({
      authorization: `Bearer ${this.tokens.current()}`,
      'x-try': String(context.tryNumber),
      'x-attempt': context.attemptId,
      'x-absent': undefined,
    });
  }

  it('finds @WebhookDialect providers, injects them, and computes headers for every try', async () => {
    harness = await createPayloadHarness({}, { providers: [TokenService, DoctestDialect] });
    const dialect = harness.dialects.get('doctests');
    expect(dialect).toBeInstanceOf(DoctestDialect);
    expect(dialect!.name).toBe('doctests');
    const message = harness.render({ name: 'Bob' }, 'employee.create', 'doctests');
    expect(message.body).toBe('{"name":"Bob"}');
    expect(message.requestFor(1)).toMatchObject({
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'doctests',
        authorization: 'Bearer tok-1',
        'x-try': '1',
        'x-attempt': 'att_1',
      },
    });
    const second = message.requestFor(2).headers;
    expect(second['x-try']).toBe('2');
    expect(second).not.toHaveProperty('x-absent');
  });

  it('instantiates a class listed in the options that is not a provider; uses the provider when there is one', async () => {
    @WebhookDialect('listed')
    class ListedDialect extends StandardWebhookDialect {
      override readonly contentType = 'application/vnd.acme+json';
    }
    harness = await createPayloadHarness({ dialects: [ListedDialect] });
    const message = harness.render({ n: 1 }, 'order.create', 'listed');
    expect(message.contentType).toBe('application/vnd.acme+json');
    expect(JSON.parse(message.body)).toMatchObject({ type: 'order.create', data: { n: 1 } });
    await harness.close();

    harness = await createPayloadHarness({ dialects: [DoctestDialect] }, { providers: [TokenService, DoctestDialect] });
    expect(harness.dialects.names()).toEqual(['default', 'standard', 'doctests']);
    expect(harness.render({}, 'order.create', 'doctests').requestFor().headers.authorization).toBe('Bearer tok-1');
  });

  it('takes the name from a property when a listed class is not decorated', async () => {
    class NamedByProperty extends DefaultWebhookDialect {
      override readonly name = 'by-property';
      override readonly method = 'PATCH';
    }
    harness = await createPayloadHarness({ dialects: [NamedByProperty] });
    expect(harness.render({}, 'order.create', 'by-property').requestFor().method).toBe('PATCH');
  });

  it('refuses a listed class that needs injection but is not provided', async () => {
    const error = await configurationError({ dialects: [DoctestDialect] });
    expect(error.option).toBe('dialects[0]');
    expect(error.message).toContain("Add DoctestDialect to a module's providers");
  });

  it('refuses request-scoped dialects and names that clash with the built-in ones', async () => {
    @Injectable({ scope: Scope.REQUEST })
    @WebhookDialect('per-request')
    class PerRequestDialect extends DefaultWebhookDialect {}
    expect((await configurationError({}, [PerRequestDialect])).message).toContain(
      'PerRequestDialect is request- or transient-scoped',
    );

    @Injectable()
    class StandardCopy extends StandardWebhookDialect {}
    const clash = await configurationError({}, [StandardCopy]);
    expect(clash.message).toContain('dialect "standard"');
    expect(clash.message).toContain('needs its own @WebhookDialect');
  });

  it('refuses an invalid name in the decorator at once', () => {
    expect(() => WebhookDialect('has space')).toThrow(WebhooksConfigurationError);
    expect(() => WebhookDialect('x'.repeat(65))).toThrow('must be a dialect name');
  });

  it('throws a WebhookDialectError when computed headers cannot be sent', async () => {
    @WebhookDialect('crlf')
    class CrlfDialect extends DefaultWebhookDialect {
      override readonly headers = (context: WebhookTryContext) =>
        context.tryNumber === 1
          ? { 'x-note': 'ok' }
          : context.tryNumber === 2
            ? { 'x-note': 'a\r\nx-injected: 1' }
            : { 'Webhook-Id': 'forged' };
    }
    @WebhookDialect('thrower')
    class ThrowingDialect extends DefaultWebhookDialect {
      override readonly headers = (): Record<string, string> => {
        throw new Error('token store down');
      };
    }
    harness = await createPayloadHarness({}, { providers: [CrlfDialect, ThrowingDialect] });
    const message = harness.render({}, 'order.create', 'crlf');
    expect(message.requestFor(1).headers['x-note']).toBe('ok');
    expect(() => message.requestFor(2)).toThrow(WebhookDialectError);
    expect(() => message.requestFor(2)).toThrow('computed the header "x-note", which contains a line break');
    expect(() => message.requestFor(3)).toThrow('"Webhook-Id", which is reserved');
    const thrower = harness.render({}, 'order.create', 'thrower');
    expect(() => thrower.requestFor()).toThrow('Dialect "thrower" could not compute its headers: token store down');
  });
});

describe('invalid dialect definitions', () => {
  const cases: Array<[string, unknown[], string, string]> = [
    [
      'a bad method',
      [{ name: 'a' }, { name: 'b' }, { name: 'c', method: 'GET' }],
      'dialects[2].method',
      'one of POST, PUT, PATCH',
    ],
    [
      'a header value with CR/LF',
      [{ name: 'a', headers: { 'x-a': 'one\r\nx-b: two' } }],
      'dialects[0].headers.x-a',
      'without line breaks',
    ],
    [
      'an invalid header name',
      [{ name: 'a', headers: { 'x a': '1' } }],
      'dialects[0].headers.x a',
      'a valid header name',
    ],
    [
      'a reserved header',
      [{ name: 'a', headers: { 'Content-Type': 'text/plain' } }],
      'dialects[0].headers.Content-Type',
      'Use the dialect\'s "contentType" option',
    ],
    ['a header twice', [{ name: 'a', headers: { 'x-a': '1', 'X-A': '2' } }], 'dialects[0].headers.X-A', 'twice'],
    ['a bad name', [{ name: 'no spaces allowed' }], 'dialects[0].name', 'a dialect name matching'],
    ['a name too long', [{ name: 'x'.repeat(65) }], 'dialects[0].name', 'at most 64 characters'],
    [
      'a duplicate name',
      [{ name: 'dup' }, { name: 'dup' }],
      'dialects[1].name',
      'registered twice: dialects[0].name already uses',
    ],
    ['a built-in name', [{ name: 'standard' }], 'dialects[0].name', 'the built-in standard dialect already uses'],
    ['a user agent with a newline', [{ name: 'a', userAgent: 'ua\n' }], 'dialects[0].userAgent', 'without line breaks'],
    ['a bad content type', [{ name: 'a', contentType: 'json' }], 'dialects[0].contentType', 'a media type'],
    ['an unknown key', [{ name: 'a', methd: 'PUT' }], 'dialects[0].methd', 'unknown dialect option'],
    ['a bad extends', [{ name: 'a', extends: 'fancy' }], 'dialects[0].extends', '"default" or "standard"'],
    [
      'bad transform groups',
      [{ name: 'a', transform: { groups: 'admin' } }],
      'dialects[0].transform.groups',
      'a list of strings',
    ],
  ];

  it.each(cases)(
    'rejects %s at startup and in validateDialectOptions, naming the option',
    async (_title, dialects, option, text) => {
      const error = await configurationError({ dialects: dialects as WebhookDialectDefinition[] });
      expect(error.option).toBe(option);
      expect(error.message).toContain(text);
      let early: unknown;
      try {
        validateDialectOptions(dialects);
      } catch (caught) {
        early = caught;
      }
      expect(early).toBeInstanceOf(WebhooksConfigurationError);
      expect((early as WebhooksConfigurationError).option).toBe(option);
    },
  );

  it('rejects a dialects option that is not a list', async () => {
    const error = await configurationError({ dialects: { name: 'a' } as never });
    expect(error.option).toBe('dialects');
    expect(() => validateDialectOptions({ name: 'a' })).toThrow(
      'must be a list of dialect definitions or dialect classes',
    );
  });

  it('rejects a dialect class with a bad method, naming the class', async () => {
    @WebhookDialect('getter')
    class GetDialect extends DefaultWebhookDialect {
      override readonly method = 'GET' as 'POST';
    }
    const error = await configurationError({}, [GetDialect]);
    expect(error.option).toBe('GetDialect.method');
  });

  it('lets a definition be re-validated without side effects when it is fine', () => {
    expect(() =>
      validateDialectOptions([{ name: 'ok', method: 'PATCH', headers: { authorization: 'Basic x' } }]),
    ).not.toThrow();
  });
});

describe('rendering context', () => {
  it('hands the envelope the render context of the subscription', async () => {
    const seen: WebhookRenderContext[] = [];
    harness = await createPayloadHarness({
      dialects: [
        {
          name: 'spy',
          envelope: (payload, context) => (
            seen.push(context),
            { scope: context.scope, sub: context.subscription.id, payload }
          ),
        },
      ],
    });
    const message = harness.render({ a: 1 }, 'order.create', 'spy', 'order');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ event: 'order.create', resource: 'order', messageId: 'msg_2zYQ3' });
    expect(JSON.parse(message.body)).toEqual({
      scope: '/',
      sub: '0190f5d2-0000-7000-8000-000000000001',
      payload: { a: 1 },
    });
  });
});
