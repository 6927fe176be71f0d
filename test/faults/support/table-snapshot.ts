import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WebhookDeliveryAttempt, WebhookSubscription } from '../../../lib';
import { WebhookSubscriptionEvent } from '../../../lib/entities/webhook-subscription-event.entity';

/** One stored row, reduced to what a comparison needs. */
export interface RowState {
  table: string;
  /** The subscription the row belongs to (its own id for a subscription row). */
  subject: string;
  /** A hash of every column. */
  hash: string;
}

/** Every row of the subscription, pattern and attempt tables, by `table:primary key`. */
export type TableSnapshot = Map<string, RowState>;

/** A row that differs between two snapshots. */
export interface RowChange extends RowState {
  key: string;
  change: 'added' | 'removed' | 'changed';
}

const TABLES = [
  {
    entity: WebhookSubscription,
    name: 'subscriptions',
    key: (r: Row) => String(r.id),
    subject: (r: Row) => String(r.id),
  },
  {
    entity: WebhookSubscriptionEvent,
    name: 'patterns',
    key: (r: Row) => `${r.subscription_id}|${r.pattern}`,
    subject: (r: Row) => String(r.subscription_id),
  },
  {
    entity: WebhookDeliveryAttempt,
    name: 'attempts',
    key: (r: Row) => String(r.id),
    subject: (r: Row) => String(r.subscription_id),
  },
] as const;

type Row = Record<string, unknown>;

/**
 * Reads the module's data tables whole (every column, secrets included) and hashes each row, so that any
 * change to any stored value shows. Meant for the small fixtures of the fault suites.
 */
export async function takeSnapshot(dataSource: DataSource): Promise<TableSnapshot> {
  const snapshot: TableSnapshot = new Map();
  for (const table of TABLES) {
    const rows: Row[] = await dataSource.createQueryBuilder().select('*').from(table.entity, 't').getRawMany();
    for (const row of rows) {
      const canonical = JSON.stringify(
        Object.keys(row)
          .sort()
          .map((column) => [column, normalize(row[column])]),
      );
      snapshot.set(`${table.name}:${table.key(row)}`, {
        table: table.name,
        subject: table.subject(row),
        hash: createHash('sha1').update(canonical).digest('base64'),
      });
    }
  }
  return snapshot;
}

/** The rows added, removed or changed from `before` to `after`. */
export function diffSnapshots(before: TableSnapshot, after: TableSnapshot): RowChange[] {
  const changes: RowChange[] = [];
  for (const [key, row] of after) {
    const old = before.get(key);
    if (!old) changes.push({ key, ...row, change: 'added' });
    else if (old.hash !== row.hash) changes.push({ key, ...row, change: 'changed' });
  }
  for (const [key, row] of before) if (!after.has(key)) changes.push({ key, ...row, change: 'removed' });
  return changes;
}

/** Row counts per table and one hash of everything: the cheap summary printed in reports. */
export function summarize(snapshot: TableSnapshot): string {
  const counts = new Map<string, number>();
  const hash = createHash('sha1');
  for (const [key, row] of [...snapshot].sort(([a], [b]) => (a < b ? -1 : 1))) {
    counts.set(row.table, (counts.get(row.table) ?? 0) + 1);
    hash.update(`${key}=${row.hash};`);
  }
  return `${[...counts].map(([table, n]) => `${table} ${n}`).join(', ')}; ${hash.digest('hex').slice(0, 12)}`;
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}
