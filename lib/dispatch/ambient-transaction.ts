import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { WEBHOOKS_MODULE_OPTIONS } from '../webhooks.constants';
import type { ResolvedWebhooksOptions } from '../webhooks.options';

interface ClsTransactionHost {
  isTransactionActive(): boolean;
  tx: unknown;
}

/**
 * Finds the application's transaction in progress, so that events raised inside it are written into it:
 * through the `transactionManager` option, or `@nestjs-cls/transactional`'s TransactionHost (TypeORM adapter)
 * when the application uses it.
 */
@Injectable()
export class AmbientTransaction implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhooksAmbientTransaction');
  private host?: ClsTransactionHost;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  onApplicationBootstrap(): void {
    let TransactionHost: unknown;
    try {
      // Optional: only when the application has the package.
      ({ TransactionHost } = require('@nestjs-cls/transactional'));
    } catch {
      return;
    }
    try {
      this.host = this.moduleRef.get(TransactionHost as never, { strict: false }) as ClsTransactionHost;
      this.logger.log('Events raised in @nestjs-cls/transactional transactions are written into them.');
    } catch {
      // The package is installed but not set up in this application.
    }
  }

  /** The EntityManager of the transaction in progress, if any. */
  manager(): EntityManager | undefined {
    const own = this.options.transactionManager?.();
    if (own) return own;
    if (this.host?.isTransactionActive()) {
      const tx = this.host.tx as EntityManager | undefined;
      if (tx && typeof tx === 'object' && 'queryRunner' in tx) return tx;
    }
    return undefined;
  }
}
