import type { EntityManager } from 'typeorm';
import type { WebhookAttemptStatus } from '../core/attempts/delivery-attempt.interface';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';

/** Injection token of the {@link WebhookAttemptStore} (the outbox) the module uses. */
export const WEBHOOK_ATTEMPT_STORE = Symbol('WEBHOOK_ATTEMPT_STORE');

/** How new attempts are written. */
export interface OutboxWrite {
  /** The caller's transaction: the rows are written in it, and handed over only if it commits. */
  manager?: EntityManager;
  /** Skip an attempt whose (message id, subscription) is stored already (dispatches with an explicit id). */
  ignoreDuplicates?: boolean;
  /**
   * Called with the rows written once they are committed: at once without a transaction, on the outermost
   * commit of the caller's, never after a rollback.
   */
  onCommit(written: WebhookDeliveryAttempt[]): void;
}

/** An attempt held under a lease: its id and the lease's fencing token. */
export interface HeldAttempt {
  id: string;
  token: string;
}

/** The outcome of a try to write: the attempt as it is now, fenced by the lease it was tried under. */
export interface AttemptResult {
  attempt: WebhookDeliveryAttempt;
  leaseToken: string;
}

/** What {@link WebhookAttemptStore.recordResults} did. */
export interface RecordedResults {
  /** The attempts whose result was written (their lease was still held). */
  written: ReadonlySet<string>;
  /** Active subscriptions whose consecutive failures reached the limit with these results. */
  failing: readonly string[];
  /** Subscriptions with newly resolved attempts (their history may need trimming). */
  resolvedFor: readonly string[];
}

/**
 * What a failed attempt with an ordering key does to the later ones of its key (same subscription):
 * `'skip'`: nothing, the next one goes on; `'block'`: they wait until it is replayed or retried (it is pending
 * again, then delivered), or until the subscription is changed after it failed.
 */
export type WebhookOrderedFailure = 'skip' | 'block';

/** The rules a claim applies beyond due and unheld. */
export interface ClaimRules {
  /** See {@link WebhookOrderedFailure}. @default 'skip' */
  orderedFailure?: WebhookOrderedFailure;
}

/** A filter of {@link WebhookAttemptStore.replay}. */
export interface AttemptReplayFilter {
  subscriptionId?: string;
  status: 'failed' | 'successful';
  /** Created at or after (epoch ms). */
  since?: number;
}

/** A page query of {@link WebhookAttemptStore.list}: newest first. */
export interface AttemptListQuery {
  status?: WebhookAttemptStatus;
  /** Created at or after (epoch ms). */
  since?: number;
  /** Ids before this one (keyset pagination, descending ids). */
  before?: string;
  limit: number;
}

/** The pending attempts of the whole store. */
export interface PendingAttemptsSummary {
  pending: number;
  /** Those due that no lease holds: the next poll claims them. */
  due: number;
  /** When the earliest one is due (for a held one, when its lease runs out). */
  nextAttemptAt: Date | null;
}

/** The due backlog of the whole store: what the next polls have to work off. */
export interface DueBacklog {
  /** Pending attempts whose time has come that no lease holds. */
  due: number;
  /** When the earliest of those was due; `null` when none is. */
  oldestDueAt: Date | null;
}

/**
 * The outbox and the delivery history: pending attempts written with the event, claimed under leases by
 * the engines of every instance, their results written fenced by the lease, resolved ones kept up to the
 * history limit. Every implementation passes `attemptStoreContract()` of `nestjs-webhooks/testing`.
 */
export interface WebhookAttemptStore {
  /** Whether what it keeps survives a restart of the application. */
  readonly durable: boolean;
  /**
   * Writes pending attempts (left out: those of subscriptions deleted meanwhile, and with
   * `ignoreDuplicates` those stored already); resolves with the rows written.
   */
  insert(rows: readonly WebhookDeliveryAttempt[], write: OutboxWrite): Promise<WebhookDeliveryAttempt[]>;
  /**
   * Claims up to `limit` due attempts nobody holds (a lease run out counts as nobody), leaving out those of
   * paused subscriptions, oldest due first; instances claiming at once never get the same attempt. An attempt
   * with an ordering key is left out while an earlier one (by id) of the same subscription and key is pending
   * (held or not, due or not) — or, with `rules.orderedFailure: 'block'`, failed since the subscription
   * last changed.
   */
  claimDue(
    now: number,
    limit: number,
    token: string,
    leaseUntil: number,
    rules?: ClaimRules,
  ): Promise<WebhookDeliveryAttempt[]>;
  /**
   * Claims the given pending attempts if nobody holds them — or, with `heldBy`, if that token does — and
   * returns those claimed. A new claim (no `heldBy`) applies the ordering rule of {@link claimDue}.
   */
  claim(
    ids: readonly string[],
    token: string,
    leaseUntil: number,
    now: number,
    heldBy?: string,
    rules?: ClaimRules,
  ): Promise<WebhookDeliveryAttempt[]>;
  /** Extends the leases still held by their tokens; returns how many. */
  renew(held: readonly HeldAttempt[], leaseUntil: number): Promise<number>;
  /** Gives held attempts back, due at `now` (shutdown). */
  release(held: readonly HeldAttempt[], now: number): Promise<void>;
  /**
   * Writes results, each only while its lease token still holds the attempt, and counts the consecutive
   * failures of their subscriptions (a success resets the count).
   */
  recordResults(results: readonly AttemptResult[], failureLimit: number): Promise<RecordedResults>;
  /** Keeps at most `limit` resolved attempts per subscription (oldest dropped, pending never); returns how many went. */
  trim(subscriptionIds: readonly string[], limit: number): Promise<number>;
  /**
   * Deletes at most `limit` resolved attempts resolved before `resolvedBefore` (epoch ms), the oldest first,
   * never a pending one (not even one set back to pending meanwhile), in one short statement; returns how
   * many went. Retention by age calls it batch after batch.
   */
  trimResolvedBefore(resolvedBefore: number, limit: number): Promise<number>;
  /**
   * Sets an attempt back to pending, due now, its next try `manual`, unless a try of it is under way;
   * returns whether it did. `onCommit` runs once that is committed.
   */
  rearm(id: string, now: number, onCommit: () => void): Promise<boolean>;
  /** {@link rearm} for every resolved attempt matching (without a subscription: of active ones); returns how many. */
  replay(filter: AttemptReplayFilter, now: number, onCommit: () => void): Promise<number>;
  /** An attempt, or `null`. */
  find(id: string): Promise<WebhookDeliveryAttempt | null>;
  /** A page of a subscription's attempts, newest first (at most `limit + 1`: one more says there is a next page). */
  list(subscriptionId: string, query: AttemptListQuery): Promise<WebhookDeliveryAttempt[]>;
  /** Counts the pending attempts. */
  pendingSummary(now: number): Promise<PendingAttemptsSummary>;
  /**
   * Counts the due attempts no lease holds and finds the oldest one's due time — cheaply (the due index
   * only): metrics read it on every collection and the health indicator on every check.
   */
  dueBacklog(now: number): Promise<DueBacklog>;
}
