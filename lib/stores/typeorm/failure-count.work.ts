import { chunks } from '../../core/util/chunks.util';
import { AttemptTableWork } from './attempt-table.work';
import { idsOf } from './unit-of-work';
import type { Work } from './webhooks.database';

/**
 * The subscriptions' consecutive-failure counts, kept up to date from the results of a batch of tries in
 * the transaction that records them, so that the count and the history never disagree.
 */
export class FailureCountWork extends AttemptTableWork {
  /**
   * Applies a batch's outcomes to the subscriptions' consecutive-failure counts and returns the ids of the
   * active ones that reached `limit`. `outcomes` maps a subscription id to its results in order (true =
   * success).
   */
  *countFailures(outcomes: ReadonlyMap<string, readonly boolean[]>, limit: number): Work<string[]> {
    const c = (name: string) => this.sql.col(name);
    const reset: string[] = [];
    const setTo = new Map<number, string[]>();
    const addTo = new Map<number, string[]>();
    for (const [id, results] of outcomes) {
      const lastSuccess = results.lastIndexOf(true);
      const trailingFailures = results.length - 1 - lastSuccess;
      if (lastSuccess >= 0 && trailingFailures === 0) reset.push(id);
      else if (lastSuccess >= 0) push(setTo, trailingFailures, id);
      else push(addTo, trailingFailures, id);
    }
    for (const chunk of chunks(reset, 500)) {
      // Mostly there is nothing to reset. A plain read finds the rows that need it, so that the others are
      // not locked: on MySQL/MariaDB an UPDATE by primary key locks the row before it looks at the value,
      // and waits for every application transaction whose outbox insert holds the row (foreign-key check)
      // — and two such waits in opposite orders are a deadlock.
      const failing = idsOf(
        yield {
          sql: `SELECT ${c('id')} AS id FROM ${this.subscriptions} WHERE ${c('id')} IN (${this.sql.params(1, chunk.length)}) AND ${c('consecutive_failures')} <> 0`,
          params: chunk,
        },
      );
      if (failing.length === 0) continue;
      yield {
        sql:
          `UPDATE ${this.subscriptions} SET ${c('consecutive_failures')} = 0 ` +
          `WHERE ${c('id')} IN (${this.sql.params(1, failing.length)}) AND ${c('consecutive_failures')} <> 0`,
        params: failing,
      };
    }
    for (const [value, ids] of setTo) {
      for (const chunk of chunks(ids, 500)) {
        yield {
          sql: `UPDATE ${this.subscriptions} SET ${c('consecutive_failures')} = ${this.sql.param(1)} WHERE ${c('id')} IN (${this.sql.params(2, chunk.length)})`,
          params: [value, ...chunk],
        };
      }
    }
    for (const [value, ids] of addTo) {
      for (const chunk of chunks(ids, 500)) {
        yield {
          sql:
            `UPDATE ${this.subscriptions} SET ${c('consecutive_failures')} = ${c('consecutive_failures')} + ${this.sql.param(1)} ` +
            `WHERE ${c('id')} IN (${this.sql.params(2, chunk.length)})`,
          params: [value, ...chunk],
        };
      }
    }
    const failing = [...setTo.values(), ...addTo.values()].flat();
    const reached: string[] = [];
    for (const chunk of chunks(failing, 500)) {
      const ids = idsOf(
        yield {
          sql:
            `SELECT ${c('id')} AS id FROM ${this.subscriptions} WHERE ${c('id')} IN (${this.sql.params(1, chunk.length)}) ` +
            `AND ${c('active')} = ${this.sql.param(chunk.length + 1)} AND ${c('consecutive_failures')} >= ${this.sql.param(chunk.length + 2)}`,
          params: [...chunk, true, limit],
        },
      );
      reached.push(...ids);
    }
    return reached;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
