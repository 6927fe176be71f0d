import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { DatabaseKind } from './database-kind.util';

/**
 * Hand-written SQL for the hot paths (outbox inserts, result updates, claims): the statements are built
 * once per shape and reused, instead of going through a query builder for every row. Names are escaped by
 * the driver and tables carry the data source's schema.
 */
export class Sql {
  constructor(
    private readonly dataSource: DataSource,
    readonly kind: DatabaseKind,
  ) {}

  /** The escaped, schema-qualified table of an entity. */
  table(entity: EntityTarget<ObjectLiteral>): string {
    const { tablePath } = this.dataSource.getMetadata(entity);
    return tablePath
      .split('.')
      .map((part) => this.dataSource.driver.escape(part))
      .join('.');
  }

  /** An escaped column name. */
  col(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  /** The placeholder of the `index`-th parameter (1-based). */
  param(index: number): string {
    return this.kind === 'postgres' ? `$${index}` : '?';
  }

  /** `n` placeholders from `start`, comma-separated. */
  params(start: number, n: number): string {
    return Array.from({ length: n }, (_, i) => this.param(start + i)).join(', ');
  }

  /** A multi-row INSERT; with `ignoreDuplicates`, rows that collide with a unique key are skipped. */
  insert(
    entity: EntityTarget<ObjectLiteral>,
    columns: readonly string[],
    rows: number,
    ignoreDuplicates = false,
  ): string {
    const tuples = Array.from(
      { length: rows },
      (_, r) => `(${this.params(r * columns.length + 1, columns.length)})`,
    ).join(', ');
    const head = `${this.table(entity)} (${columns.map((c) => this.col(c)).join(', ')}) VALUES ${tuples}`;
    if (!ignoreDuplicates) return `INSERT INTO ${head}`;
    if (this.kind === 'mysql') return `INSERT IGNORE INTO ${head}`;
    if (this.kind === 'sqlite') return `INSERT OR IGNORE INTO ${head}`;
    return `INSERT INTO ${head} ON CONFLICT DO NOTHING`;
  }

  /** A JSON value as the driver takes it for a `json` column. */
  json(value: unknown): string | null {
    return value === null || value === undefined ? null : JSON.stringify(value);
  }

  /**
   * A shared lock on the rows a SELECT reads, held until commit, that keeps them from being deleted
   * meanwhile (SQLite serializes writers instead).
   */
  get shareLock(): string {
    if (this.kind === 'postgres') return ' FOR KEY SHARE';
    return this.kind === 'mysql' ? ' LOCK IN SHARE MODE' : '';
  }

  /** `FOR UPDATE SKIP LOCKED` where the database has it (SQLite serializes writers instead). */
  get skipLocked(): string {
    return this.kind === 'sqlite' ? '' : ' FOR UPDATE SKIP LOCKED';
  }
}
