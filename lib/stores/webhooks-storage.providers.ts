import type { Provider } from '@nestjs/common';
import { WEBHOOK_ATTEMPT_STORE } from './attempt-store.interface';
import { WEBHOOK_BREAKER_STORE } from './breaker-store.interface';
import { MemoryBreakerStore } from './memory/memory-breaker.store';
import { TypeOrmBreakerStore } from './typeorm/typeorm-breaker.store';
import { MemoryAttemptStore } from './memory/memory-attempt.store';
import { MemorySubscriptionStore } from './memory/memory-subscription.store';
import { WEBHOOK_SUBSCRIPTION_STORE } from './subscription-store.interface';
import { TypeOrmAttemptStore } from './typeorm/typeorm-attempt.store';
import { TypeOrmSubscriptionStore } from './typeorm/typeorm-subscription.store';
import { WebhooksDatabase } from './typeorm/webhooks.database';

/** Where the module keeps subscriptions and attempts. */
export type WebhooksStorageKind = 'typeorm' | 'memory';

/**
 * The providers of the two stores for the storage chosen in `forRoot({ storage })`: the one place that
 * knows which implementation is which. Everything else injects {@link WEBHOOK_SUBSCRIPTION_STORE} and
 * {@link WEBHOOK_ATTEMPT_STORE}.
 */
export function webhooksStorageProviders(storage: WebhooksStorageKind): Provider[] {
  if (storage === 'memory') {
    return [
      {
        provide: WEBHOOK_SUBSCRIPTION_STORE,
        useFactory: () => new MemorySubscriptionStore(),
      },
      {
        provide: WEBHOOK_ATTEMPT_STORE,
        useFactory: (subscriptions: MemorySubscriptionStore) => new MemoryAttemptStore(subscriptions),
        inject: [WEBHOOK_SUBSCRIPTION_STORE],
      },
      { provide: WEBHOOK_BREAKER_STORE, useFactory: () => new MemoryBreakerStore() },
    ];
  }
  return [
    WebhooksDatabase,
    TypeOrmSubscriptionStore,
    TypeOrmAttemptStore,
    TypeOrmBreakerStore,
    { provide: WEBHOOK_BREAKER_STORE, useExisting: TypeOrmBreakerStore },
    { provide: WEBHOOK_SUBSCRIPTION_STORE, useExisting: TypeOrmSubscriptionStore },
    { provide: WEBHOOK_ATTEMPT_STORE, useExisting: TypeOrmAttemptStore },
  ];
}
