import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_ENTITIES, WEBHOOK_MIGRATIONS } from '../lib';
import { WebhookDeliveryAttempt } from '../lib/entities/webhook-delivery-attempt.entity';
import { WebhookRegistryChange } from '../lib/entities/webhook-registry-state.entity';
import { WebhookSubscriptionEvent } from '../lib/entities/webhook-subscription-event.entity';
import { resolveWebhooksOptions } from '../lib/options/webhooks-options.resolver';
import { TypeOrmAttemptStore } from '../lib/stores/typeorm/typeorm-attempt.store';
import { TypeOrmSubscriptionStore } from '../lib/stores/typeorm/typeorm-subscription.store';
import { WebhooksDatabase } from '../lib/stores/typeorm/webhooks.database';
import type { WebhookStores } from '../lib/testing/contracts/store-contract.interface';
import { describeEachDatabase } from './support/databases';
import { newId } from '../lib/core/util/ids.util';
import { WebhookSubscription } from '../lib/entities/webhook-subscription.entity';
import { MemoryAttemptStore } from '../lib/stores/memory/memory-attempt.store';
import { MemoryBreakerStore } from '../lib/stores/memory/memory-breaker.store';
import { TypeOrmBreakerStore } from '../lib/stores/typeorm/typeorm-breaker.store';
import { MemorySubscriptionStore } from '../lib/stores/memory/memory-subscription.store';
import { attemptStoreContract } from '../lib/testing/contracts/attempt-store.contract';
import {
  attemptFixture,
  heldFixture,
  resolvedFixture,
  subscriptionFixture,
  T0,
} from '../lib/testing/contracts/contract.fixtures';
import type { WebhookStoreHarness } from '../lib/testing/contracts/store-contract.interface';
import { subscriptionStoreContract } from '../lib/testing/contracts/subscription-store.contract';

/** A memory subscription store with a short change log and small pages, to reach their edges. */
class SmallMemorySubscriptionStore extends MemorySubscriptionStore {
  protected override get changeLogLimit(): number {
    return 3;
  }

  protected override get activePageSize(): number {
    return 2;
  }
}

async function memoryHarness(): Promise<WebhookStoreHarness> {
  const subscriptions = new MemorySubscriptionStore();
  return {
    subscriptions,
    attempts: new MemoryAttemptStore(subscriptions),
    breakers: new MemoryBreakerStore(),
    close: async () => undefined,
  };
}

describe('memory stores', () => {
  describe('subscription store contract', () => {
    for (const c of subscriptionStoreContract(memoryHarness)) it(c.name, c.run);
  });

  describe('attempt store contract', () => {
    for (const c of attemptStoreContract(memoryHarness)) it(c.name, c.run);
  });

  describe('memory specifics', () => {
    it('says it no longer knows the changes once the log has moved past them', async () => {
      const store = new SmallMemorySubscriptionStore();
      const subscriptions = Array.from({ length: 8 }, () => subscriptionFixture());
      for (const s of subscriptions) await store.insert([s]);
      const version = await store.version();
      expect(version).toBe(8);
      expect(await store.changesSince(0, version)).toBeNull();
      expect(await store.changesSince(version - 3, version)).toEqual(subscriptions.slice(-3).map((s) => s.id));
      expect(await store.changesSince(version, version + 1)).toBeNull();
    });

    it('pages the active subscriptions, seeing changes made between pages', async () => {
      const store = new SmallMemorySubscriptionStore();
      const ids = Array.from({ length: 7 }, () => newId()).sort();
      await store.insert(ids.map((id) => subscriptionFixture({ id })));
      const pages: string[][] = [];
      for await (const page of store.activePages()) {
        pages.push(page.map((s) => s.id));
        if (pages.length === 1) await store.setActive(ids[2], false, 'Off.', T0 + 1);
      }
      expect(pages).toEqual([ids.slice(0, 2), ids.slice(3, 5), ids.slice(5, 7)]);
    });

    it('announces a change once the state is updated, and a listener that throws does not undo it', async () => {
      const store = new MemorySubscriptionStore();
      const s = subscriptionFixture();
      const seen: Array<WebhookSubscription | null> = [];
      store.onChange((change) => void store.find(change.subscription.id).then((found) => seen.push(found)));
      store.onChange(() => {
        throw new Error('listener bug');
      });
      const heard: string[] = [];
      store.onChange((change) => heard.push(change.kind));
      await expect(store.insert([s])).rejects.toThrow('listener bug');
      expect(heard).toEqual(['created']);
      expect(seen[0]?.id).toBe(s.id);
      expect(await store.version()).toBe(1);
    });

    it('drops a deleted subscription’s history from every index', async () => {
      const subscriptions = new MemorySubscriptionStore();
      const attempts = new MemoryAttemptStore(subscriptions);
      const s = subscriptionFixture();
      await subscriptions.insert([s]);
      const rows = Array.from({ length: 200 }, () => heldFixture(s, 'tok'));
      await attempts.insert(rows, { onCommit: () => undefined });
      await attempts.recordResults(
        rows.slice(0, 150).map((attempt) => ({ attempt: resolvedFixture(attempt, 'failed'), leaseToken: 'tok' })),
        1_000,
      );
      await subscriptions.delete(s.id);
      expect(await attempts.pendingSummary(T0 + 10 * 60_000)).toEqual({ pending: 0, due: 0, nextAttemptAt: null });
      await subscriptions.insert([Object.assign(new WebhookSubscription(), s)]);
      // The same message ids are new again: the old history is gone with its index.
      expect(await attempts.insert(rows.slice(0, 1), { onCommit: () => undefined })).toHaveLength(1);
    });

    it('trims long histories in order while pending attempts wait at the front', async () => {
      const subscriptions = new MemorySubscriptionStore();
      const attempts = new MemoryAttemptStore(subscriptions);
      const s = subscriptionFixture();
      await subscriptions.insert([s]);
      const stuck = Array.from({ length: 100 }, () => attemptFixture(s, { nextAttemptAt: new Date(T0 + 3_600_000) }));
      await attempts.insert(stuck, { onCommit: () => undefined });
      let kept: string[] = [];
      for (let round = 0; round < 50; round++) {
        const batch = Array.from({ length: 20 }, () => heldFixture(s, 'tok'));
        await attempts.insert(batch, { onCommit: () => undefined });
        const results = batch.map((attempt, i) => ({
          attempt: resolvedFixture(attempt, i % 2 ? 'failed' : 'successful'),
          leaseToken: 'tok',
        }));
        await attempts.recordResults(results, 1_000);
        await attempts.trim([s.id], 30);
        kept = [...kept, ...batch.map((a) => a.id)].slice(-30);
      }
      const listed = await attempts.list(s.id, { limit: 500 });
      expect(listed.map((a) => a.id)).toEqual([...kept].reverse().concat(stuck.map((a) => a.id).reverse()));
      expect((await attempts.pendingSummary(T0)).pending).toBe(100);
    });
  });
});

// The same two contracts against the TypeORM stores on each database: one schema per suite, emptied before
// every case; on the servers a second data source over the same schema stands for another instance.
describeEachDatabase('TypeORM stores', (db) => {
  const sources: DataSource[] = [];
  let own: WebhookStores;
  let peers: WebhookStores[] = [];

  async function open(options: DataSourceOptions): Promise<{ dataSource: DataSource; stores: WebhookStores }> {
    const dataSource = new DataSource({
      ...options,
      entities: [...WEBHOOK_ENTITIES],
      migrations: [...WEBHOOK_MIGRATIONS],
    } as DataSourceOptions);
    await dataSource.initialize();
    sources.push(dataSource);
    const database = new WebhooksDatabase(dataSource);
    const subscriptions = new TypeOrmSubscriptionStore(database, resolveWebhooksOptions({}));
    await subscriptions.prepare();
    return {
      dataSource,
      stores: {
        subscriptions,
        attempts: new TypeOrmAttemptStore(database),
        breakers: new TypeOrmBreakerStore(database),
      },
    };
  }

  beforeAll(async () => {
    const first = new DataSource({
      ...db.options,
      entities: [...WEBHOOK_ENTITIES],
      migrations: [...WEBHOOK_MIGRATIONS],
    } as DataSourceOptions);
    await first.initialize();
    await first.runMigrations();
    await first.destroy();
    own = (await open(db.options)).stores;
    // SQLite has one connection per process: its instances are not raced here (the fault suites do).
    peers =
      db.kind === 'sqlite'
        ? []
        : await Promise.all([open(db.options), open(db.options)]).then((opened) => opened.map((o) => o.stores));
  });
  afterAll(async () => {
    for (const dataSource of sources.splice(0)) await dataSource.destroy();
  });

  async function harness(): Promise<WebhookStoreHarness> {
    const dataSource = sources[0];
    for (const entity of [
      WebhookDeliveryAttempt,
      WebhookSubscriptionEvent,
      WebhookRegistryChange,
      WebhookSubscription,
    ]) {
      await dataSource.createQueryBuilder().delete().from(entity).execute();
    }
    return { ...own, peers, close: async () => undefined };
  }

  describe('subscription store contract', () => {
    for (const c of subscriptionStoreContract(harness)) it(c.name, c.run);
  });

  describe('attempt store contract', () => {
    for (const c of attemptStoreContract(harness)) it(c.name, c.run);
  });
});
