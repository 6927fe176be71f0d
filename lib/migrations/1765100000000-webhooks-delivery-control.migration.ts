import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

type ColumnType = 'varchar' | 'bigint' | 'int' | 'json';

/** A column spelled the way the running driver spells its type (SQLite says "integer" where MySQL says "int"). */
function column(queryRunner: QueryRunner, name: string, kind: ColumnType, length?: number): TableColumn {
  const type = queryRunner.connection.driver.normalizeType({ type: kind });
  return new TableColumn({ name, type, isNullable: true, ...(length !== undefined ? { length: String(length) } : {}) });
}

/**
 * Delivery control: the ordering key of an attempt, indexed with its subscription so that a claim finds an
 * earlier attempt of the same key by index (docs/ordering.md); per-subscription limits (`rate_limit`,
 * `max_in_flight`) and the shared state of the rate limits (`webhook_subscription_limits`) and of the
 * circuit breakers per target host (`webhook_breakers`). Written with
 * TypeORM's schema API, so that it serves SQLite, PostgreSQL and MySQL/MariaDB alike.
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
    await queryRunner.addColumn('webhook_subscriptions', column(queryRunner, 'rate_limit', 'json'));
    await queryRunner.addColumn('webhook_subscriptions', column(queryRunner, 'max_in_flight', 'int'));
    const type = (kind: ColumnType) => queryRunner.connection.driver.normalizeType({ type: kind });
    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscription_limits',
        columns: [
          { name: 'subscription_id', type: type('varchar'), length: '36', isPrimary: true },
          { name: 'tat', type: type('bigint') },
          { name: 'ready_at', type: type('bigint') },
        ],
        foreignKeys: [
          {
            name: 'FK_webhook_subscription_limits_subscription',
            columnNames: ['subscription_id'],
            referencedTableName: 'webhook_subscriptions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_breakers',
        columns: [
          { name: 'host', type: type('varchar'), length: '255', isPrimary: true },
          { name: 'state', type: type('varchar'), length: '16' },
          { name: 'consecutive_failures', type: type('int') },
          { name: 'window_start', type: type('bigint') },
          { name: 'window_tries', type: type('int') },
          { name: 'window_failures', type: type('int') },
          { name: 'open_until', type: type('bigint'), isNullable: true },
          { name: 'probe_until', type: type('bigint'), isNullable: true },
          { name: 'changed_at', type: type('bigint') },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_breakers');
    await queryRunner.dropTable('webhook_subscription_limits');
    await queryRunner.dropColumn('webhook_subscriptions', 'max_in_flight');
    await queryRunner.dropColumn('webhook_subscriptions', 'rate_limit');
    await queryRunner.dropIndex('webhook_delivery_attempts', 'IDX_webhook_delivery_attempts_ordering');
    await queryRunner.dropColumn('webhook_delivery_attempts', 'ordering_key');
  }
}
