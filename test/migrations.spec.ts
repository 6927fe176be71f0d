import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_ENTITIES, WEBHOOK_MIGRATIONS } from '../lib';
import { describeEachDatabase } from './support/databases';

describeEachDatabase('migrations', (db) => {
  it('build on an empty database exactly the schema the entities describe, and roll back', async () => {
    const dataSource = new DataSource({
      ...db.options,
      entities: [...WEBHOOK_ENTITIES],
      migrations: [...WEBHOOK_MIGRATIONS],
    });
    await dataSource.initialize();
    try {
      expect(await dataSource.showMigrations()).toBe(true);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual([
        'WebhooksInit1764300000000',
        'WebhooksTraceContext1765000000000',
        'WebhooksDeliveryControl1765100000000',
        'WebhooksHistoryAge1765200000000',
      ]);
      expect(await dataSource.showMigrations()).toBe(false);

      // What synchronize would still do after the migrations: nothing.
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      const runner = dataSource.createQueryRunner();
      for (const entity of WEBHOOK_ENTITIES) {
        expect(await runner.hasTable(dataSource.getMetadata(entity).tablePath)).toBe(true);
      }
      for (const _ of WEBHOOK_MIGRATIONS) await dataSource.undoLastMigration({ transaction: 'each' });
      for (const entity of WEBHOOK_ENTITIES) {
        expect(await runner.hasTable(dataSource.getMetadata(entity).tablePath)).toBe(false);
      }
      await runner.release();
    } finally {
      await dataSource.destroy();
    }
  });
});

describe('WEBHOOK_MIGRATIONS', () => {
  it('lists migrations in timestamp order', () => {
    const stamps = WEBHOOK_MIGRATIONS.map((m) => Number(/\d{13}/.exec(m.name)![0]));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });
});
