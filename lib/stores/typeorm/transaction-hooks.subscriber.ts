import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { WEBHOOKS_DATA_SOURCE } from '../../core/webhooks.constants';

interface Hook {
  /** The transaction depth (savepoint level) the work was done at. */
  depth: number;
  commit: () => void;
  rollback: () => void;
}

/** TypeORM tracks savepoint nesting in a protected field; it is how we know the outermost commit. */
const depthOf = (runner: QueryRunner): number => (runner as unknown as { transactionDepth?: number }).transactionDepth ?? 0;

/**
 * Runs callbacks when the application's transaction ends: on the outermost COMMIT (not on a savepoint
 * release), or drops them when the savepoint or transaction they were registered in rolls back. This is
 * how "delivery happens when the transaction commits" is kept: outbox rows written in a transaction are
 * handed to the engine exactly when it commits, and never when it rolls back.
 */
@Injectable()
export class TransactionHooks implements EntitySubscriberInterface {
  private readonly hooks = new WeakMap<QueryRunner, Hook[]>();

  constructor(@Inject(WEBHOOKS_DATA_SOURCE) dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  /**
   * Calls `commit` once `runner`'s transaction commits (at once when there is none), or `rollback` if it
   * rolls back.
   */
  afterCommit(runner: QueryRunner | undefined, commit: () => void, rollback: () => void = () => undefined): void {
    if (!runner?.isTransactionActive) {
      commit();
      return;
    }
    const hook = { depth: depthOf(runner), commit, rollback };
    const list = this.hooks.get(runner);
    if (list) list.push(hook);
    else this.hooks.set(runner, [hook]);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    const list = this.hooks.get(runner);
    if (!list || depthOf(runner) > 0) return;
    this.hooks.delete(runner);
    for (const hook of list) hook.commit();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const runner = event.queryRunner;
    const list = this.hooks.get(runner);
    if (!list) return;
    const depth = depthOf(runner);
    const kept = list.filter((hook) => hook.depth <= depth);
    for (const hook of list) if (hook.depth > depth) hook.rollback();
    if (kept.length > 0) this.hooks.set(runner, kept);
    else this.hooks.delete(runner);
  }
}
