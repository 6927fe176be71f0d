import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WEBHOOK_MIGRATIONS, WebhooksModule } from '../lib';
import { WEBHOOKS_OWN_DATA_SOURCE_NAME } from '../lib/core/webhooks.constants';
import { CapturingLogger } from './support/capturing-logger';

const dir = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-sqlite-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts and stops an application on a SQLite database; returns the module's startup warnings. */
async function startupWarnings(database: Partial<TypeOrmModuleOptions>): Promise<string[]> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        type: 'better-sqlite3',
        ...database,
        autoLoadEntities: true,
        migrations: [...WEBHOOK_MIGRATIONS],
        migrationsRun: true,
        logging: false,
      } as TypeOrmModuleOptions),
      WebhooksModule.forRoot({}),
    ],
  }).compile();
  moduleRef.useLogger(logger);
  await moduleRef.init();
  await moduleRef.close();
  return logger.warnings('WebhooksModule').map((line) => line.message);
}

describe('the SQLite settings check at startup', () => {
  it("warns once on a file database with TypeORM's defaults, naming what is set and the fix", async () => {
    const database = join(dir, 'defaults.sqlite');
    const warnings = await startupWarnings({ database });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `the SQLite database "${database}" runs with journal_mode = delete, synchronous = FULL`,
    );
    expect(warnings[0]).toContain('"enableWAL: true"');
    expect(warnings[0]).toContain("db.pragma('synchronous = NORMAL')");
    expect(warnings[0]).not.toContain('busy_timeout');
  });

  it('with WAL on, names only synchronous = FULL when it is set', async () => {
    const warnings = await startupWarnings({
      database: join(dir, 'wal-full.sqlite'),
      enableWAL: true,
      prepareDatabase: (db: { pragma(source: string): unknown }) => void db.pragma('synchronous = FULL'),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('runs with synchronous = FULL: every commit waits');
    expect(warnings[0]).not.toContain('enableWAL');
  });

  it('names a missing busy timeout too', async () => {
    const warnings = await startupWarnings({ database: join(dir, 'no-timeout.sqlite'), enableWAL: true, timeout: 0 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('runs with busy_timeout = 0: a second connection to the file');
    expect(warnings[0]).toContain('remove "timeout: 0"');
    expect(warnings[0]).not.toContain('enableWAL');
  });

  it('says nothing with WAL and synchronous = NORMAL, as the docs set them', async () => {
    const warnings = await startupWarnings({
      database: join(dir, 'recommended.sqlite'),
      enableWAL: true,
      prepareDatabase: (db: { pragma(source: string): unknown }) => void db.pragma('synchronous = NORMAL'),
    });
    expect(warnings).toEqual([]);
  });

  it('gives a SQLite database the module opens itself WAL and synchronous = NORMAL', async () => {
    const logger = new CapturingLogger();
    const database = join(dir, 'own.sqlite');
    const moduleRef = await Test.createTestingModule({
      imports: [WebhooksModule.forRoot({ database: { type: 'better-sqlite3', database } })],
    }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    const dataSource = moduleRef.get<DataSource>(getDataSourceToken(WEBHOOKS_OWN_DATA_SOURCE_NAME));
    const [{ journal_mode }] = await dataSource.query('PRAGMA journal_mode');
    const [{ synchronous }] = await dataSource.query('PRAGMA synchronous');
    await moduleRef.close();
    expect({ journal_mode, synchronous }).toEqual({ journal_mode: 'wal', synchronous: 1 });
    expect(logger.warnings('WebhooksModule')).toEqual([]);
  });

  it('says nothing for an in-memory database', async () => {
    expect(await startupWarnings({ database: ':memory:' })).toEqual([]);
  });
});
