import type { TestProject } from 'vitest/node';
import { ISOLATED_PREFIX, type ServerKind, withServer } from './database-servers';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why a server's suites are skipped, per server; absent when the server is reachable. */
    unavailableServers: Partial<Record<ServerKind, string>>;
  }
}

const STALE_AFTER_MS = 3 * 3600_000;

/**
 * Checks that PostgreSQL and MariaDB answer. Under CI an unreachable server fails the run; elsewhere
 * its suites are skipped and the reason is printed. Also drops the isolated schemas and databases that
 * crashed runs left behind.
 */
export default async function setup(project: TestProject): Promise<void> {
  const unavailable: Partial<Record<ServerKind, string>> = {};
  for (const kind of ['postgres', 'mariadb'] as const) {
    try {
      await withServer(kind, (dataSource) => dropStale(kind, dataSource));
    } catch (error) {
      const reason = `${kind} is not reachable (${(error as Error).message})`;
      if (process.env.CI === 'true') {
        throw new Error(`${reason}. CI needs every database: start it (see .ci/run).`);
      }
      unavailable[kind] = reason;
      console.warn(`\n[nestjs-webhooks tests] Skipping the ${kind} suites: ${reason}.\n`);
    }
  }
  project.provide('unavailableServers', unavailable);
}

async function dropStale(kind: ServerKind, dataSource: import('typeorm').DataSource): Promise<void> {
  const names: string[] =
    kind === 'postgres'
      ? (
          await dataSource.query(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE '${ISOLATED_PREFIX}%'`)
        ).map((row: { name: string }) => row.name)
      : (await dataSource.query(`SHOW DATABASES LIKE '${ISOLATED_PREFIX}%'`)).map(
          (row: Record<string, string>) => Object.values(row)[0],
        );
  for (const name of names) {
    const created = parseInt(name.slice(ISOLATED_PREFIX.length).split('_')[0], 36);
    if (!Number.isFinite(created) || Date.now() - created < STALE_AFTER_MS) continue;
    await dataSource.query(kind === 'postgres' ? `DROP SCHEMA "${name}" CASCADE` : `DROP DATABASE \`${name}\``);
  }
}
