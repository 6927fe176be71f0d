import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RegistryStore } from './registry/registry.store';
import { WebhookRegistry } from './registry/webhook-registry.service';
import { StaticSubscriptionsSync } from './subscriptions/static-subscriptions.sync';

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
  ) {}

  async onModuleInit(): Promise<void> {
    await this.store.verify();
    await this.store.ensureStateRow();
    await this.staticSync.sync();
    await this.registry.load();
  }
}
