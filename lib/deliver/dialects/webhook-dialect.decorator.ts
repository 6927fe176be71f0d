import 'reflect-metadata';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import { DIALECT_NAME_PATTERN, WEBHOOK_DIALECT_METADATA } from '../../core/dialect.constants';
import { dialectNameExpectation, invalidDialectOptionMessage } from '../../options/dialect.messages';
import type { WebhookDialectMetadata } from './dialect.metadata';
import type { WebhookDialect as WebhookDialectContract } from '../../options/webhook-dialect.interface';

/**
 * Declares a class as the dialect named `name`. Provide the class in any module (it is found at startup)
 * or list it in `WebhooksModule.forRoot({ dialects })`. Extend `DefaultWebhookDialect` to change only
 * what differs.
 *
 * ```ts
 * @WebhookDialect('acme')
 * export class AcmeDialect extends DefaultWebhookDialect {
 *   constructor(private readonly tokens: TokenService) { super(); }
 *   override readonly headers = (context: WebhookTryContext) => ({ authorization: `Bearer ${this.tokens.current()}` });
 * }
 * ```
 */
export function WebhookDialect(name: string): ClassDecorator {
  if (typeof name !== 'string' || !DIALECT_NAME_PATTERN.test(name)) {
    throw new WebhooksConfigurationError(
      invalidDialectOptionMessage('@WebhookDialect(name)', dialectNameExpectation(), name),
      '@WebhookDialect(name)',
    );
  }
  return (target) => {
    Reflect.defineMetadata(WEBHOOK_DIALECT_METADATA, { name } satisfies WebhookDialectMetadata, target);
  };
}

/**
 * The dialect contract, under the decorator's name so that one import gives both (as Angular does with
 * `Component`). See `lib/options/webhook-dialect.interface.ts`.
 */
export type WebhookDialect = WebhookDialectContract;
