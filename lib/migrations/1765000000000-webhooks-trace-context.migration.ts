import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * Adds `trace_context` to the outbox rows: the W3C `traceparent` of the span that dispatched the event, so
 * that the try continues the trace in whichever instance sends it, after a restart too. Nullable: written
 * only when a span is active at dispatch. TypeORM's schema API spells the column for SQLite, PostgreSQL and
 * MySQL/MariaDB alike (on SQLite it rebuilds the table, keeping its rows).
 */
export class WebhooksTraceContext1765000000000 implements MigrationInterface {
  name = 'WebhooksTraceContext1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'webhook_delivery_attempts',
      new TableColumn({
        name: 'trace_context',
        type: queryRunner.connection.driver.normalizeType({ type: 'varchar' }),
        length: '128',
        isNullable: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('webhook_delivery_attempts', 'trace_context');
  }
}
