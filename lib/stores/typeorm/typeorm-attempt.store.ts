import { Injectable } from '@nestjs/common';
import type { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import type {
  AttemptListQuery,
  AttemptReplayFilter,
  AttemptResult,
  ClaimRules,
  HeldAttempt,
  OutboxWrite,
  DueBacklog,
  PendingAttemptsSummary,
  RecordedResults,
  WebhookAttemptStore,
} from '../attempt-store.interface';
import { AttemptQueries } from './attempt.queries';
import { AttemptHistoryWork } from './attempt-history.work';
import { AttemptLeaseWork } from './attempt-lease.work';
import { AttemptWork } from './attempt.work';
import { FailureCountWork } from './failure-count.work';
import { OutboxGroupCommit } from './outbox.group-commit';
import { WebhooksDatabase, type Work } from './webhooks.database';

/**
 * The outbox and the delivery history in the module's TypeORM table. Outbox rows join the caller's
 * transaction (or, on SQLite, the one open on the shared connection) and are handed over when it commits;
 * rows raised outside any transaction are committed together with the others of the same moment (group
 * commit). The engine's work runs on a connection of its own (see `WebhooksDatabase.runOwn`).
 */
@Injectable()
export class TypeOrmAttemptStore implements WebhookAttemptStore {
  readonly durable = true;
  private readonly work: AttemptWork;
  private readonly leases: AttemptLeaseWork;
  private readonly history: AttemptHistoryWork;
  private readonly failures: FailureCountWork;
  private readonly queries: AttemptQueries;
  private readonly groupCommit: OutboxGroupCommit;

  constructor(private readonly db: WebhooksDatabase) {
    this.work = new AttemptWork(db);
    this.leases = new AttemptLeaseWork(db);
    this.history = new AttemptHistoryWork(db);
    this.failures = new FailureCountWork(db);
    this.queries = new AttemptQueries(db);
    this.groupCommit = new OutboxGroupCommit(db, this.work);
  }

  async insert(rows: readonly WebhookDeliveryAttempt[], write: OutboxWrite): Promise<WebhookDeliveryAttempt[]> {
    // Whose commit hands these over: the caller's transaction, or (SQLite) the one open on the shared connection.
    const runner = this.db.transactionRunner(write.manager);
    const ignoreDuplicates = write.ignoreDuplicates ?? false;
    const written =
      runner || ignoreDuplicates
        ? await this.db.run(() => this.work.insert(rows, ignoreDuplicates), write.manager)
        : await this.groupCommit.write(rows);
    this.db.afterCommit(runner, () => write.onCommit(written));
    return written;
  }

  claimDue(
    now: number,
    limit: number,
    token: string,
    leaseUntil: number,
    rules: ClaimRules = {},
  ): Promise<WebhookDeliveryAttempt[]> {
    return this.db.runOwn(() => this.leases.claimDue(now, limit, token, leaseUntil, rules), 'claims');
  }

  claim(
    ids: readonly string[],
    token: string,
    leaseUntil: number,
    now: number,
    heldBy?: string,
    rules: ClaimRules = {},
  ): Promise<WebhookDeliveryAttempt[]> {
    return this.db.runOwn(() => this.leases.claim(ids, token, leaseUntil, now, heldBy ?? null, rules), 'claims');
  }

  renew(held: readonly HeldAttempt[], leaseUntil: number): Promise<number> {
    return this.db.runOwn(() => this.leases.renew(held, leaseUntil));
  }

  release(held: readonly HeldAttempt[], now: number): Promise<void> {
    return this.db.runOwn(() => this.leases.release(held, now));
  }

  recordResults(results: readonly AttemptResult[], failureLimit: number): Promise<RecordedResults> {
    return this.db.runOwn(() => this.recordWork(results, failureLimit));
  }

  trim(subscriptionIds: readonly string[], limit: number): Promise<number> {
    return this.db.runOwn(() => this.history.trim(subscriptionIds, limit));
  }

  trimResolvedBefore(resolvedBefore: number, limit: number): Promise<number> {
    return this.db.runOwn(() => this.history.trimResolvedBefore(resolvedBefore, limit));
  }

  async rearm(id: string, now: number, onCommit: () => void): Promise<boolean> {
    const runner = this.db.transactionRunner();
    const changed = await this.db.run(() => this.history.rearm(id, now));
    if (changed) this.db.afterCommit(runner, onCommit);
    return changed;
  }

  async replay(filter: AttemptReplayFilter, now: number, onCommit: () => void): Promise<number> {
    const runner = this.db.transactionRunner();
    const count = await this.db.run(() => this.history.replay(filter, now));
    this.db.afterCommit(runner, onCommit);
    return count;
  }

  find(id: string): Promise<WebhookDeliveryAttempt | null> {
    return this.queries.find(id);
  }

  list(subscriptionId: string, query: AttemptListQuery): Promise<WebhookDeliveryAttempt[]> {
    return this.queries.list(subscriptionId, query);
  }

  pendingSummary(now: number): Promise<PendingAttemptsSummary> {
    return this.queries.pendingSummary(now);
  }

  dueBacklog(now: number): Promise<DueBacklog> {
    return this.queries.dueBacklog(now);
  }

  private *recordWork(results: readonly AttemptResult[], failureLimit: number): Work<RecordedResults> {
    const written = yield* this.work.recordMany(results);
    // Each subscription's outcomes in the order of the batch (true = success), for the failure counts.
    const outcomes = new Map<string, boolean[]>();
    for (const { attempt } of results) {
      if (!written.has(attempt.id) || attempt.status === 'pending') continue;
      const list = outcomes.get(attempt.subscriptionId);
      if (list) list.push(attempt.status === 'successful');
      else outcomes.set(attempt.subscriptionId, [attempt.status === 'successful']);
    }
    const failing = yield* this.failures.countFailures(outcomes, failureLimit);
    return { written, failing, resolvedFor: [...outcomes.keys()] };
  }
}
