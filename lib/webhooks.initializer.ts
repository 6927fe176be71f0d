import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { WebhooksConfigurationError } from './core/errors/webhooks.errors';
import { WEBHOOKS_MODULE_OPTIONS } from './core/webhooks.constants';
import { DialectRegistry } from './deliver/dialects/dialect.registry';
import { WebhookRegistry } from './match/registry/webhook-registry.service';
import { StaticSubscriptionsSync } from './match/subscriptions/static-subscriptions.sync';
import { unknownStaticDialectMessage } from './options/dialect.messages';
import type { ResolvedWebhooksOptions } from './options/webhooks-options.resolver';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from './stores/subscription-store.interface';

/**
 * Brings the module up in order once the data source is open: checks the store (its tables), syncs the
 * static subscriptions, then loads the subscription index.
 */
@Injectable()
export class WebhooksInitializer implements OnModuleInit {
  constructor(
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly store: WebhookSubscriptionStore,
    private readonly staticSync: StaticSubscriptionsSync,
    private readonly registry: WebhookRegistry,
    private readonly dialects: DialectRegistry,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    // Dialects are known once the registry has discovered the @WebhookDialect providers.
    this.options.subscriptions.forEach((entry, index) => {
      if (this.dialects.has(entry.dialect)) return;
      throw new WebhooksConfigurationError(
        unknownStaticDialectMessage(index, entry.dialect, this.dialects.names()),
        `subscriptions[${index}].dialect`,
      );
    });
    await this.store.prepare();
    await this.staticSync.sync();
    await this.registry.load();
  }
}
