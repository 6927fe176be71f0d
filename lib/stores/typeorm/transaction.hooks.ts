import type {
  DataSource,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
} from 'typeorm';

interface Hook {
  /** The nesting level (1 = the transaction, 2 = its first savepoint ...) the work was done at. */
  depth: number;
  commit: () => void;
}

/**
 * Runs callbacks when the application's transaction ends: on the outermost COMMIT (not on a savepoint
 * release), and drops them when the savepoint or transaction they were registered in rolls back. This is
 * how "delivery starts when the transaction commits" holds: outbox rows written in a transaction are handed
 * to the engine exactly when it commits, never when it rolls back.
 *
 * TypeORM announces every level of a nested transaction (savepoints included) to entity subscribers; the
 * nesting level of each query runner is counted from those announcements.
 */
export class TransactionHooks implements EntitySubscriberInterface {
  private readonly hooks = new WeakMap<QueryRunner, Hook[]>();
  private readonly depths = new WeakMap<QueryRunner, number>();

  constructor(dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  /** Calls `commit` once `runner`'s transaction commits, at once when none is open; never after a rollback. */
  afterCommit(runner: QueryRunner | undefined, commit: () => void): void {
    if (!runner?.isTransactionActive) {
      commit();
      return;
    }
    const hook = { depth: this.depths.get(runner) ?? 1, commit };
    const list = this.hooks.get(runner);
    if (list) list.push(hook);
    else this.hooks.set(runner, [hook]);
  }

  afterTransactionStart(event: TransactionStartEvent): void {
    this.depths.set(event.queryRunner, (this.depths.get(event.queryRunner) ?? 0) + 1);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    this.leave(runner);
    // A savepoint release leaves the transaction open: its work commits with the outermost COMMIT.
    if (runner.isTransactionActive) return;
    const list = this.hooks.get(runner);
    this.hooks.delete(runner);
    for (const hook of list ?? []) hook.commit();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const runner = event.queryRunner;
    const depth = this.leave(runner);
    const list = this.hooks.get(runner);
    if (!list) return;
    const kept = runner.isTransactionActive ? list.filter((hook) => hook.depth <= depth) : [];
    if (kept.length > 0) this.hooks.set(runner, kept);
    else this.hooks.delete(runner);
  }

  /** Counts one level closed; returns the level still open (0: none). */
  private leave(runner: QueryRunner): number {
    const depth = Math.max((this.depths.get(runner) ?? 1) - 1, 0);
    if (depth === 0 || !runner.isTransactionActive) this.depths.delete(runner);
    else this.depths.set(runner, depth);
    return runner.isTransactionActive ? depth : 0;
  }
}
