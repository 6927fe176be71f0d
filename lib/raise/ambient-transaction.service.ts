import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';

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
    const TransactionHost = loadedTransactionHost();
    if (!TransactionHost) return;
    try {
      this.host = this.moduleRef.get<unknown, ClsTransactionHost>(TransactionHost as never, { strict: false });
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

/**
 * `@nestjs-cls/transactional`'s TransactionHost when the application has loaded the package. Only then:
 * loading it loads nestjs-cls, which enters an AsyncLocalStorage at once and so turns on async hooks for
 * every promise of the process (≈ 5% of the CPU of a busy sender) — a cost for applications that have the
 * package installed but do not use it.
 */
function loadedTransactionHost(): unknown {
  let path: string;
  try {
    path = require.resolve('@nestjs-cls/transactional');
  } catch {
    return undefined;
  }
  if (!require.cache[path]) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, taken only when the application has loaded it
  return (require(path) as { TransactionHost?: unknown }).TransactionHost;
}
