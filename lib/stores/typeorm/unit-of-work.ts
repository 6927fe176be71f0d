/** One SQL statement of a unit of work, as TypeORM's query builders render it for the driver. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A row as the driver gives it: values by column name (or alias). */
export type Row = Record<string, unknown>;

/** What a statement returned: its rows (SELECT, RETURNING) and how many rows it changed. */
export interface StatementResult {
  // Rows come from the driver untyped; each unit of work names the columns it reads.
  rows: Row[];
  affected: number;
}

/** The ids a statement selected or returned (`SELECT id …`, `RETURNING id`): uuids, as text. */
export function idsOf({ rows }: StatementResult): string[] {
  return rows.map((row) => row.id as string);
}

/**
 * A unit of work: a generator that yields statements and receives their results. Written once, it runs in a
 * transaction on every database — synchronously on SQLite (see `WebhooksDatabase`) — and, being a pure
 * generator, can be run again from the start when the database picks its transaction as a deadlock victim.
 */
export type Work<T> = Generator<Statement, T, StatementResult>;

/** A query builder, or anything else that renders to SQL and parameters. */
export interface Renderable {
  getQueryAndParameters(): [string, unknown[]];
}

/** Turns a query builder into a statement to yield. */
export const statement = (query: Renderable): Statement => {
  const [sql, params] = query.getQueryAndParameters();
  return { sql, params };
};

/** Runs a unit of work whose statements complete synchronously (SQLite). */
export function drive<T>(work: Work<T>, exec: (s: Statement) => StatementResult): T {
  let step = work.next();
  while (!step.done) step = work.next(exec(step.value));
  return step.value;
}

/** Runs a unit of work statement by statement. */
export async function driveAsync<T>(work: Work<T>, exec: (s: Statement) => Promise<StatementResult>): Promise<T> {
  let step = work.next();
  while (!step.done) step = work.next(await exec(step.value));
  return step.value;
}
