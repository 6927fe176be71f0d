import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions } from 'typeorm';
import type { TableForeignKeyOptions } from 'typeorm/schema-builder/options/TableForeignKeyOptions';

type ColumnType = 'varchar' | 'bigint' | 'int' | 'json' | 'boolean';

/**
 * Column builders that spell each type the way the running driver does (SQLite says "integer" where
 * MySQL says "int"), so that the tables match what the entities describe.
 */
function columns(queryRunner: QueryRunner) {
  const type = (name: ColumnType) => queryRunner.connection.driver.normalizeType({ type: name });
  return {
    id: (name = 'id'): TableColumnOptions => ({ name, type: type('varchar'), length: '36', isPrimary: name === 'id' }),
    varchar: (name: string, length: number, isNullable = false): TableColumnOptions => ({
      name,
      type: type('varchar'),
      length: String(length),
      isNullable,
    }),
    of: (name: string, kind: Exclude<ColumnType, 'varchar'>, isNullable = false): TableColumnOptions => ({
      name,
      type: type(kind),
      isNullable,
    }),
  };
}

/** `subscription_id` references a subscription; deleting it deletes the row. */
const cascadeToSubscription = (name: string): TableForeignKeyOptions => ({
  name,
  columnNames: ['subscription_id'],
  referencedTableName: 'webhook_subscriptions',
  referencedColumnNames: ['id'],
  onDelete: 'CASCADE',
  onUpdate: 'NO ACTION',
});

/**
 * Creates the module's tables. Written with TypeORM's schema API rather than SQL, so that the one
 * migration serves SQLite, PostgreSQL (honouring the data source's `schema`) and MySQL/MariaDB alike; a
 * test checks that the result is exactly what the entities describe on each of them.
 */
export class WebhooksInit1764300000000 implements MigrationInterface {
  name = 'WebhooksInit1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, varchar, of } = columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscriptions',
        columns: [
          id(),
          varchar('scope', 255),
          varchar('owner_id', 255, true),
          of('events', 'json'),
          varchar('target_url', 2048),
          varchar('dialect', 64),
          varchar('permission', 255, true),
          of('active', 'boolean'),
          varchar('status_message', 512),
          varchar('description', 1024, true),
          of('metadata', 'json', true),
          of('consecutive_failures', 'int'),
          of('precondition_failures', 'int'),
          of('secrets', 'json', true),
          of('retry_policy', 'json', true),
          of('paused_until', 'bigint', true),
          varchar('static_key', 64, true),
          of('created_at', 'bigint'),
          of('updated_at', 'bigint'),
        ],
        indices: [
          { name: 'IDX_webhook_subscriptions_scope', columnNames: ['scope', 'id'] },
          { name: 'IDX_webhook_subscriptions_owner', columnNames: ['owner_id', 'id'] },
          { name: 'IDX_webhook_subscriptions_static_key', columnNames: ['static_key'] },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscription_events',
        columns: [
          { ...id('subscription_id'), isPrimary: true },
          { ...varchar('pattern', 255), isPrimary: true },
          varchar('scope', 255),
        ],
        indices: [{ name: 'IDX_webhook_subscription_events_match', columnNames: ['pattern', 'scope'] }],
        foreignKeys: [cascadeToSubscription('FK_webhook_subscription_events_subscription')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'webhook_delivery_attempts',
        columns: [
          id(),
          id('subscription_id'),
          varchar('message_id', 64),
          varchar('event', 255),
          varchar('scope', 255),
          varchar('status', 16),
          varchar('message', 512, true),
          of('request', 'json'),
          of('response', 'json', true),
          of('internal_info', 'json'),
          of('tries', 'json'),
          of('attempt_count', 'int'),
          of('next_attempt_at', 'bigint', true),
          varchar('next_trigger', 16, true),
          varchar('lease_owner', 64, true),
          of('lease_until', 'bigint', true),
          of('created_at', 'bigint'),
          of('resolved_at', 'bigint', true),
        ],
        indices: [
          { name: 'IDX_webhook_delivery_attempts_due', columnNames: ['status', 'next_attempt_at'] },
          { name: 'IDX_webhook_delivery_attempts_history', columnNames: ['subscription_id', 'status', 'id'] },
          { name: 'IDX_webhook_delivery_attempts_recent', columnNames: ['subscription_id', 'id'] },
          {
            name: 'IDX_webhook_delivery_attempts_message',
            columnNames: ['message_id', 'subscription_id'],
            isUnique: true,
          },
        ],
        foreignKeys: [cascadeToSubscription('FK_webhook_delivery_attempts_subscription')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'webhook_registry_state',
        columns: [{ ...of('id', 'int'), isPrimary: true }, of('version', 'bigint')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'webhook_registry_changes',
        columns: [
          { ...of('version', 'bigint'), isPrimary: true },
          { ...id('subscription_id'), isPrimary: true },
          of('changed_at', 'bigint'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'webhook_registry_changes',
      'webhook_registry_state',
      'webhook_delivery_attempts',
      'webhook_subscription_events',
      'webhook_subscriptions',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
