import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

type ColumnType = 'varchar' | 'bigint' | 'int' | 'json';

/** A column spelled the way the running driver spells its type (SQLite says "integer" where MySQL says "int"). */
function column(queryRunner: QueryRunner, name: string, kind: ColumnType, length?: number): TableColumn {
  const type = queryRunner.connection.driver.normalizeType({ type: kind });
  return new TableColumn({ name, type, isNullable: true, ...(length !== undefined ? { length: String(length) } : {}) });
}

/**
 * Delivery control (ordering per key): the ordering key of an attempt, indexed with its subscription so that
 * a claim finds an earlier attempt of the same key by index, (see docs/ordering.md). Written with TypeORM's schema API, so that it serves SQLite, PostgreSQL and MySQL/MariaDB alike.
 */
export class WebhooksDeliveryControl1765100000000 implements MigrationInterface {
  name = 'WebhooksDeliveryControl1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('webhook_delivery_attempts', column(queryRunner, 'ordering_key', 'varchar', 255));
    await queryRunner.createIndex(
      'webhook_delivery_attempts',
      new TableIndex({
        name: 'IDX_webhook_delivery_attempts_ordering',
        columnNames: ['subscription_id', 'ordering_key', 'id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('webhook_delivery_attempts', 'IDX_webhook_delivery_attempts_ordering');
    await queryRunner.dropColumn('webhook_delivery_attempts', 'ordering_key');
  }
}
