import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The sample's own table, migrated next to the module's (`WEBHOOK_MIGRATIONS`) rather than synchronized. */
export class CreateContacts1764400000000 implements MigrationInterface {
  name = 'CreateContacts1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'contacts',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'office', type: 'varchar', length: '255' },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'email', type: 'varchar', length: '255' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('contacts');
  }
}
