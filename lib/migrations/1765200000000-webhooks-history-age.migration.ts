import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

const TABLE = 'webhook_delivery_attempts';
const INDEX = 'IDX_webhook_delivery_attempts_resolved';

/**
 * Retention by age (`history: { maxAge }`): an index on when attempts were resolved, so that each batch of
 * the trim reads the oldest resolved attempts as a short index range instead of scanning the table.
 */
export class WebhooksHistoryAge1765200000000 implements MigrationInterface {
  name = 'WebhooksHistoryAge1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(TABLE, new TableIndex({ name: INDEX, columnNames: ['resolved_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(TABLE, INDEX);
  }
}
