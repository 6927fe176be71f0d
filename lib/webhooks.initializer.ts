import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DialectRegistry } from './deliver/dialects/dialect.registry';
import { WebhooksConfigurationError } from './core/errors/webhooks.errors';
import { unknownStaticDialectMessage } from './core/errors/webhooks.messages';
import { WEBHOOKS_MODULE_OPTIONS } from './core/webhooks.constants';
import type { ResolvedWebhooksOptions } from './options/webhooks-options.resolver';
import { RegistryStore } from './stores/typeorm/registry.store';
import { WebhookRegistry } from './match/registry/webhook-registry.service';
import { StaticSubscriptionsSync } from './match/subscriptions/static-subscriptions.sync';

/**
 * Brings the module up in order once the data source is open: checks the tables, syncs the persistent
 * static subscriptions, then loads the subscription index.
 */
@Injectable()
export class WebhooksInitializer implements OnModuleInit {
  constructor(
    private readonly store: RegistryStore,
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
    await this.store.verify();
    await this.store.ensureStateRow();
    await this.staticSync.sync();
    await this.registry.load();
  }
}
