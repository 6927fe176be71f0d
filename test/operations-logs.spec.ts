import { randomBytes } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  generateWebhookSecret,
  WEBHOOK_MIGRATIONS,
  WebhookDispatcher,
  WebhookSubscriptions,
  WebhooksModule,
} from '../lib';
import { DeliveryEngine } from '../lib/deliver/delivery.engine';
import { BacklogMonitor } from '../lib/react/backlog.monitor';
import { describeEachDatabase } from './support/databases';
import { TestReceiver } from './support/receiver';
import { StubResolver } from './support/stub-resolver';

/** Every line logged, at every level, with its context. */
class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; context: string; text: string }> = [];
  private add(level: string, args: unknown[]) {
    const [message, ...rest] = args;
    const context = rest.length > 0 ? String(rest[rest.length - 1]) : '';
    // Everything handed to the logger counts: the message, a stack, the context, objects.
    this.lines.push({
      level,
      context,
      text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
    });
    void message;
  }
  log(...args: unknown[]) {
    this.add('log', args);
  }
  error(...args: unknown[]) {
    this.add('error', args);
  }
  warn(...args: unknown[]) {
    this.add('warn', args);
  }
  debug(...args: unknown[]) {
    this.add('debug', args);
  }
  verbose(...args: unknown[]) {
    this.add('verbose', args);
  }
  fatal(...args: unknown[]) {
    this.add('fatal', args);
  }
}

describeEachDatabase(
  'the log of a run with secrets, keys and credentials',
  (db) => {
    const logger = new CapturingLogger();
    const encryptionKey = `base64:${randomBytes(32).toString('base64')}`;
    const declaredSecret = generateWebhookSecret();
    const importedSecret = generateWebhookSecret();
    const { signingKey } = generateSigningKeyPair();
    const bearer = `Bearer tok_${randomBytes(12).toString('hex')}`;
    const queryToken = `qt_${randomBytes(8).toString('hex')}`;
    const secrets: string[] = [encryptionKey, declaredSecret, importedSecret, signingKey, bearer, queryToken];
    let receiver: TestReceiver;
    let close: () => Promise<void>;

    beforeAll(async () => {
      receiver = await TestReceiver.start();
      // The receivers echo what they were sent: a response body is recorded, never logged.
      receiver.respond('/failing', (request) => ({ status: 500, body: JSON.stringify(request.headers) }));
      receiver.respond('/gone', { status: 410 });
      receiver.respond('/throttled', { status: 429, headers: { 'retry-after': '1' } });
      const moduleRef = await Test.createTestingModule({
        imports: [
          TypeOrmModule.forRoot({
            ...db.options,
            autoLoadEntities: true,
            migrations: [...WEBHOOK_MIGRATIONS],
            migrationsRun: true,
            logging: false,
          } as TypeOrmModuleOptions),
          WebhooksModule.forRoot({
            targets: { allowHttp: true, allowPrivateNetworks: true, resolver: new StubResolver().resolve },
            retry: { attempts: 2, schedule: [10], jitter: 0 },
            // Nobody polls: failed tries' retries wait, due — a backlog for the check below.
            delivery: { pollInterval: 3_600_000 },
            secrets: { encryptionKeys: [encryptionKey] },
            operations: { backlog: { maxDue: 0, maxOldestDueAgeMs: 0, checkInterval: 0 }, webhooks: true },
            dialects: [{ name: 'with-credentials', headers: { Authorization: bearer } }],
            subscriptions: [
              { to: `${receiver.url('/failing')}?token=${queryToken}`, events: 'log.*', secret: declaredSecret },
            ],
          }),
        ],
      }).compile();
      moduleRef.useLogger(logger);
      await moduleRef.init();
      close = () => moduleRef.close();
      const subscriptions = moduleRef.get(WebhookSubscriptions);
      const dispatcher = moduleRef.get(WebhookDispatcher);
      const engine = moduleRef.get(DeliveryEngine);
      await subscriptions.create({
        to: `${receiver.url('/failing')}?token=${queryToken}`,
        events: 'log.*',
        dialect: 'with-credentials',
        secret: importedSecret,
      });
      await subscriptions.create({ to: receiver.url('/gone'), events: 'log.*', dialect: 'with-credentials' });
      const throttled = await subscriptions.create({ to: receiver.url('/throttled'), events: 'log.*' });
      await subscriptions.rotateSecret(throttled.id);
      await subscriptions.create({
        to: receiver.url('/ops'),
        events: ['webhooks.subscription.*', 'webhooks.backlog.*'],
      });
      for (let i = 0; i < 5; i++) await dispatcher.dispatch('log.created', { i, note: bearer });
      await receiver.waitFor(10, '/failing');
      await engine.whenIdle();
      await moduleRef.get(BacklogMonitor).check();
      while ((await engine.pollNow()) > 0) await engine.whenIdle();
      await receiver.waitFor(20, '/failing');
      await engine.whenIdle();
    });
    afterAll(async () => {
      await close?.();
      await receiver?.close();
    });

    it('logs what happened, with a context per stage', () => {
      const contexts = new Set(logger.lines.map((line) => line.context));
      // Failed tries (react, from the recorded outcomes), the backlog (react).
      for (const context of ['WebhookDeliveries', 'WebhookBacklog']) {
        expect(contexts, [...contexts].join(', ')).toContain(context);
      }
      expect(logger.lines.filter((line) => line.level === 'warn').length).toBeGreaterThanOrEqual(10);
      expect(logger.lines.every((line) => line.context !== '')).toBe(true);
      // Operational webhooks (a 410's deactivation, a 429's pause, the backlog) went out without an error.
      expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
      // The receivers did get the credentials: they were there to leak.
      expect(receiver.received('/failing').some((r) => r.headers.authorization === bearer)).toBe(true);
    });

    it('never logs a signing secret, a signing key, an encryption key, an Authorization header or a URL token', () => {
      const leaks = logger.lines.filter((line) =>
        secrets.some((secret) => line.text.includes(secret) || line.text.includes(secret.replace(/^\w+:/, ''))),
      );
      expect(leaks).toEqual([]);
      // The secrets' bodies alone (after their prefixes) are not there either.
      const bodies = [declaredSecret, importedSecret, signingKey].map((s) => s.slice(s.indexOf('_') + 1));
      expect(logger.lines.filter((line) => bodies.some((b) => line.text.includes(b)))).toEqual([]);
    });
  },
  ['sqlite', 'postgres', 'mariadb'],
);
