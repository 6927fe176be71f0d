import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { WebhookSubscription } from '../entities/webhook-subscription.entity';
import type { WebhookAttemptResponse, WebhookAttemptTry } from '../core/attempts/delivery-attempt.interface';
import { WebhooksDatabase } from '../stores/typeorm/webhooks-database';
import { RegistryStore } from '../stores/typeorm/registry.store';
import { WebhookRegistry } from '../match/registry/webhook-registry.service';
import { WebhookTransport, type WebhookTransportResponse } from '../options/webhook-transport.interface';
import { newLeaseToken } from '../core/util/ids.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { AttemptRecorder, type TryRecord } from '../record/attempt.recorder';
import { AttemptStore } from '../stores/typeorm/attempt.store';
import type { DeliveryJob } from './delivery-job.interface';
import {
  DESTINATION_VERIFICATION_FAILED,
  describeError,
  httpStatusMessage,
  REMOTE_ERROR,
  RESPONSE_HANDLING_ERROR,
} from '../core/messages/delivery.messages';
import { WebhookDestinationGuard } from './destination.guard';
import { WebhookDestinationError } from '../core/errors/webhook-destination.error';
import { redactResponseHeaders } from '../core/security/header-redaction.util';
import { type BuiltRequest, RequestBuilder } from './request.builder';
import { TEST_EVENT } from '../core/events/test-event.payload';
import { responseHeader } from '../core/retry/retry-after.util';
import { effectiveRetryPolicy } from '../core/retry/retry.policy';
import { judgeTry } from '../core/retry/retry.planner';
import { RETRY_CANCELLED_MESSAGE } from '../core/retry/retry.messages';

/**
 * Results waiting to be written, per slot, beyond which no new try starts: enough for the recorder's batches
 * to grow under load (one transaction per batch), few enough to bound what a crash leaves unrecorded.
 */
const UNRECORDED_PER_SLOT = 4;

/** How one try ended, before it is turned into the attempt's new state. */
interface TryOutcome {
  success: boolean;
  message: string;
  statusCode: number;
  response: WebhookAttemptResponse | null;
  error?: unknown;
  /** Whether trying again could help (false for a blocked or invalid destination). */
  retryable: boolean;
  /** The response's `Retry-After` header. */
  retryAfter?: string;
}

/**
 * The delivery engine: sends the attempts of committed events and records every try.
 *
 * Attempts reach it two ways. On the happy path the dispatcher hands over the attempts of a transaction the
 * moment it commits — already leased to this instance when they were written — so nothing waits for a poll.
 * Otherwise a poll every `delivery.pollInterval` claims due attempts nobody holds (those of a crashed
 * instance once their lease ran out, and retries), with `FOR UPDATE SKIP LOCKED` so that instances never
 * claim the same rows. Leases are renewed while attempts wait here, and every result is written only if
 * the lease is still ours, so a stalled instance can never overwrite the result of the one that took over.
 */
@Injectable()
export class DeliveryEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDeliveryEngine');
  private queue: DeliveryJob[] = [];
  private head = 0;
  private inFlight = 0;
  /** Database attempts queued or in flight here, by id: what lease renewal and shutdown look at. */
  private readonly held = new Map<string, DeliveryJob>();
  private readonly running = new Set<Promise<void>>();
  /** Tries over, their results not written yet. */
  private recording = 0;
  /** Claims of committed attempts under way (see claiming()). */
  private readonly claims = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  private pollTimer?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private renewing = false;
  private polling?: Promise<void>;
  /** Whether the last poll may have left due attempts behind: it claimed all it had room for. */
  private backlog = false;
  private started = false;
  private stopping = false;
  private paused = false;
  /** Retries of in-memory (static transient) attempts, waiting here for their time. */
  private transientDue: Array<{ job: DeliveryJob; due: number }> = [];
  /**
   * Pauses this instance decided (subscription id → until, epoch ms), effective at once for the jobs
   * queued behind the throttled try, before the database and the index know them.
   */
  private readonly pauses = new Map<string, number>();

  /**
   * Called with each response before it is judged; throwing makes the try fail with the seed's "Unexpected
   * error handling the response" (the testing kit uses it to simulate processing failures).
   */
  responseInspector?: (response: WebhookTransportResponse, job: DeliveryJob) => void;

  constructor(
    private readonly db: WebhooksDatabase,
    private readonly store: AttemptStore,
    private readonly recorder: AttemptRecorder,
    private readonly registry: WebhookRegistry,
    private readonly registryStore: RegistryStore,
    private readonly requests: RequestBuilder,
    private readonly guard: WebhookDestinationGuard,
    private readonly transport: WebhookTransport,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  /** Whether this instance sends (`delivery.enabled`). */
  get enabled(): boolean {
    return this.options.delivery.enabled;
  }

  /** Attempts waiting here plus tries in flight. */
  get load(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.started = true;
    const { leaseDuration } = this.options.delivery;
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(Math.floor(leaseDuration / 3), 100));
    this.renewTimer.unref();
    this.schedulePoll(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.renewTimer);
    await this.polling;
    // A claim under way queues what it gets: wait for it, so that those go back to the database too.
    await Promise.all([...this.claims]);
    // Attempts not started yet go back to the database for another instance (or the next start).
    const waiting = this.queue.slice(this.head).filter((job) => job.leaseToken !== null);
    this.queue = [];
    this.head = 0;
    // In-memory retries live and die with the process, like the in-memory history they belong to.
    this.transientDue = [];
    for (const job of waiting) this.held.delete(job.attempt.id);
    if (waiting.length > 0) {
      try {
        await this.db.runOwn(
          () =>
            this.store.release(
            waiting.map((job) => ({ id: job.attempt.id, token: job.leaseToken! })),
            this.options.clock.now(),
          ),
        );
      } catch (error) {
        this.logger.warn(`Could not hand back ${waiting.length} attempts; their leases will run out: ${(error as Error).message}`);
      }
    }
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.options.delivery.shutdownTimeout).unref());
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    await Promise.race([this.whenRecorded(), deadline]);
    await this.transport.close();
  }

  /**
   * Takes the attempts of a transaction that just committed. They were leased to this instance when they
   * were written; if the transaction took so long that the lease is running out, it is renewed first.
   * Never rejects (it runs after the caller's commit, with nobody to tell): attempts it cannot claim are
   * sent once their lease runs out.
   */
  async enqueueCommitted(jobs: DeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    if (!this.started || this.stopping) return; // The leases run out and another run sends them.
    const now = this.options.clock.now();
    const { leaseDuration } = this.options.delivery;
    const fresh = jobs.filter((job) => job.leaseToken === null || job.leaseUntil - now > leaseDuration / 2);
    const stale = jobs.filter((job) => !fresh.includes(job));
    this.push(fresh);
    if (stale.length > 0) await this.claiming(this.reclaim(stale, now), stale.length, 'once their lease runs out');
  }

  /** Claims the given attempts if nobody holds them, and sends them (dispatches with an explicit message id). */
  async claimAndEnqueue(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.started || this.stopping) return;
    await this.claiming(this.claimNow(ids), ids.length, 'by the next poll');
  }

  private async reclaim(stale: DeliveryJob[], now: number): Promise<void> {
    const { leaseDuration } = this.options.delivery;
    const byToken = new Map<string, DeliveryJob[]>();
    for (const job of stale) byToken.set(job.leaseToken!, [...(byToken.get(job.leaseToken!) ?? []), job]);
    for (const [heldBy, group] of byToken) {
      const token = newLeaseToken();
      const claimed = await this.db.runOwn(() =>
        this.store.claim(
          group.map((job) => job.attempt.id),
          token,
          now + leaseDuration,
          now,
          heldBy,
        ),
      );
      const ids = new Set(claimed.map((attempt) => attempt.id));
      this.push(group.filter((job) => ids.has(job.attempt.id)).map((job) => ({ ...job, leaseToken: token, leaseUntil: now + leaseDuration })));
    }
  }

  private async claimNow(ids: string[]): Promise<void> {
    const now = this.options.clock.now();
    const token = newLeaseToken();
    const until = now + this.options.delivery.leaseDuration;
    const attempts = await this.db.runOwn(() => this.store.claim(ids, token, until, now));
    this.push(await this.jobsFor(attempts, token, until));
  }

  /**
   * Runs a claim made after a commit: shutdown waits for it, and a failure (the database went away just
   * then) is logged, not thrown — it would otherwise surface as an unhandled rejection, which ends the
   * process. The attempts stay in the outbox and are sent later (`later` says when).
   */
  private async claiming(claim: Promise<void>, count: number, later: string): Promise<void> {
    const tracked = claim.catch((error: unknown) => {
      this.logger.warn(`Could not claim ${count} committed webhook attempts; they are sent ${later}: ${(error as Error).message}`);
    });
    this.claims.add(tracked);
    try {
      await tracked;
    } finally {
      this.claims.delete(tracked);
    }
  }

  /**
   * Sends an in-memory (static transient) attempt now, e.g. a manual retry; a scheduled retry of it that
   * was waiting here is dropped. Returns false when the engine does not run here.
   */
  sendTransientNow(job: DeliveryJob): boolean {
    if (!this.started || this.stopping) return false;
    this.transientDue = this.transientDue.filter((entry) => entry.job.attempt.id !== job.attempt.id);
    this.push([{ ...job, leaseToken: null }]);
    return true;
  }

  /** Whether an in-memory attempt waits here for a scheduled retry (rather than being sent right now). */
  hasScheduledTransient(attemptId: string): boolean {
    return this.transientDue.some((entry) => entry.job.attempt.id === attemptId);
  }

  /** Polls soon, e.g. after attempts were made due by a replay. */
  wake(): void {
    this.schedulePoll(0);
  }

  /** Runs one poll now and waits for it (tests and the testing kit drive time this way). */
  async pollNow(): Promise<number> {
    if (!this.started || this.stopping) return 0;
    await this.polling;
    let claimed = 0;
    this.polling = this.pollOnce().then((n) => {
      claimed = n;
    });
    await this.polling;
    this.polling = undefined;
    return claimed;
  }

  /** Holds queued attempts back (they stay pending) until {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
    this.schedulePoll(0);
  }

  /**
   * Resolves when nothing is queued, in flight or waiting to be recorded here. Rejects after `timeout` ms
   * saying what is still busy.
   */
  async whenIdle(timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.isIdle()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `Webhook deliveries still busy after ${timeout} ms: ${this.queue.length - this.head} queued, ${this.inFlight} in flight, ` +
            `results ${this.recorder.busy ? 'being written' : 'written'}${this.paused ? ' (delivery is paused)' : ''}.`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await this.whenRecorded();
    }
  }

  private isIdle(): boolean {
    return this.queue.length === this.head && this.inFlight === 0 && this.recording === 0 && !this.recorder.busy && !this.polling;
  }

  private async whenRecorded(): Promise<void> {
    while (this.recorder.busy) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  private schedulePoll(delay: number): void {
    if (!this.started || this.stopping) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(), delay);
    this.pollTimer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopping) return;
    this.polling = this.pollOnce().then(() => undefined);
    await this.polling;
    this.polling = undefined;
    this.notifyIdle();
    // A backlog is worked off at the pace tries finish, not one queue-full per interval: poll again at
    // once while there is room, else as soon as there is (see pump).
    this.schedulePoll(this.backlog && this.hasRoom() ? 0 : this.options.delivery.pollInterval);
  }

  /** Whether at least `concurrency` more attempts fit in the queue: enough to be worth a poll. */
  private hasRoom(): boolean {
    return this.load <= this.options.delivery.concurrency;
  }

  private async pollOnce(): Promise<number> {
    const { concurrency, batchSize, leaseDuration } = this.options.delivery;
    this.backlog = false;
    if (this.paused) return 0;
    const transient = this.takeDueTransient(this.options.clock.now());
    const room = Math.min(batchSize, concurrency * 2 - this.load);
    if (room <= 0) {
      this.backlog = true;
      return transient;
    }
    try {
      const now = this.options.clock.now();
      const token = newLeaseToken();
      const attempts = await this.db.runOwn(() => this.store.claimDue(now, room, token, now + leaseDuration));
      this.backlog = attempts.length === room;
      this.push(await this.jobsFor(attempts, token, now + leaseDuration));
      return transient + attempts.length;
    } catch (error) {
      this.logger.error(`Polling for due webhook attempts failed: ${(error as Error).message}`);
      return transient;
    }
  }

  /** Queues the in-memory retries that are due, with their subscription as it is now. */
  private takeDueTransient(now: number): number {
    if (this.transientDue.length === 0) return 0;
    const due = this.transientDue.filter((entry) => entry.due <= now);
    if (due.length === 0) return 0;
    this.transientDue = this.transientDue.filter((entry) => entry.due > now);
    this.push(
      due.map(({ job }) => {
        // The index holds active subscriptions only: one missing from it was deactivated meanwhile.
        const current = this.registry.getActive(job.subscription.id) ?? withChanges(job.subscription, { active: false });
        return { ...job, subscription: current, trigger: triggerOf(job.attempt) };
      }),
    );
    return due.length;
  }

  private async jobsFor(attempts: WebhookDeliveryAttempt[], token: string, leaseUntil: number): Promise<DeliveryJob[]> {
    const subscriptions = new Map<string, WebhookSubscription>();
    const missing: string[] = [];
    for (const attempt of attempts) {
      const active = this.registry.getActive(attempt.subscriptionId);
      if (active) subscriptions.set(active.id, active);
      else missing.push(attempt.subscriptionId);
    }
    if (missing.length > 0) {
      for (const subscription of await this.registryStore.loadByIds([...new Set(missing)])) subscriptions.set(subscription.id, subscription);
    }
    return attempts
      .filter((attempt) => subscriptions.has(attempt.subscriptionId))
      .map((attempt) => ({
        attempt,
        subscription: subscriptions.get(attempt.subscriptionId)!,
        leaseToken: token,
        leaseUntil,
        trigger: triggerOf(attempt),
      }));
  }

  private push(jobs: DeliveryJob[]): void {
    for (const job of jobs) {
      if (job.leaseToken !== null) this.held.set(job.attempt.id, job);
      this.queue.push(job);
    }
    this.pump();
  }

  /**
   * Starts tries while slots are free. A slot is freed when its HTTP try ends, not when its result is
   * written: results are written in batches, and a slot waiting for the batch would idle the network. The
   * attempt stays held (its lease renewed) until written; with `UNRECORDED_PER_SLOT × concurrency` results
   * waiting no new try starts, so a slow database slows sending down instead of piling results up — and a
   * crash leaves a bounded number of tries sent but not recorded (sent again after the lease: at least once).
   */
  private pump(): void {
    const { concurrency } = this.options.delivery;
    while (!this.paused && this.inFlight < concurrency && this.head < this.queue.length && this.recording < UNRECORDED_PER_SLOT * concurrency) {
      const job = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.inFlight++;
      let tried = false;
      const release = () => {
        if (tried) return;
        tried = true;
        this.inFlight--;
        this.recording++;
        this.pump();
      };
      const run = this.deliver(job, release).finally(() => {
        release();
        this.recording--;
        this.held.delete(job.attempt.id);
        this.running.delete(run);
        this.pump();
        if (this.backlog && !this.polling && this.hasRoom()) this.schedulePoll(0);
        this.notifyIdle();
      });
      this.running.add(run);
    }
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private async renewLeases(): Promise<void> {
    // A renewal the database is slow to answer is not joined by more, each holding a connection.
    if (this.renewing || this.held.size === 0) return;
    const jobs = [...this.held.values()];
    const until = this.options.clock.now() + this.options.delivery.leaseDuration;
    this.renewing = true;
    try {
      await this.db.runOwn(() => this.store.renew(jobs.map((job) => ({ id: job.attempt.id, token: job.leaseToken! })), until));
      for (const job of jobs) job.leaseUntil = until;
    } catch (error) {
      this.logger.warn(`Could not renew webhook leases: ${(error as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }

  /** One try of one attempt, recorded; `tried` is called once the HTTP part is over. Never throws. */
  private async deliver(job: DeliveryJob, tried: () => void): Promise<void> {
    try {
      const startedAt = this.options.clock.now();
      // A throttled target is not tried before its pause ends, and waiting uses up no try.
      const pausedUntil = this.pausedUntil(job.subscription);
      if (pausedUntil > startedAt) {
        tried();
        await this.settle(job, { job, attempt: withChanges(job.attempt, { nextAttemptAt: new Date(pausedUntil), leaseOwner: null, leaseUntil: null }), deferred: true });
        return;
      }
      if (job.trigger === 'retry' && !job.subscription.active) {
        tried();
        await this.settle(job, this.cancelled(job, startedAt));
        return;
      }
      const began = performance.now();
      let built: BuiltRequest | undefined;
      let outcome: TryOutcome;
      try {
        built = this.requests.build(job, startedAt);
        outcome = await this.attempt(job, built.request);
      } catch (error) {
        // The dialect is gone or its computed headers cannot be sent: trying again will not help.
        outcome = { success: false, message: (error as Error).message, statusCode: 0, response: null, error, retryable: false };
      }
      const elapsedMs = Math.round((performance.now() - began) * 100) / 100;
      if (outcome.response) outcome.response.headers = redactResponseHeaders(outcome.response.headers, built?.sensitiveHeaders);
      const { url, method, body } = job.attempt.request;
      const stored = built?.stored ?? { url: job.subscription.to ?? url, method, body };
      const record = this.recordOf(job, outcome, stored, startedAt, elapsedMs);
      if (record.pause !== undefined) this.notePause(job.subscription.id, record.pause);
      tried();
      await this.settle(job, record);
    } catch (error) {
      // Only a bug gets here (recording retries on its own); the lease brings the attempt back later.
      this.logger.error(`Delivering webhook attempt ${job.attempt.id} failed unexpectedly: ${describeError(error)}`);
    }
  }

  /** Records a result; an in-memory attempt that stays pending waits here for its next try. */
  private async settle(job: DeliveryJob, record: TryRecord): Promise<void> {
    await this.recorder.record(record);
    const { attempt } = record;
    if (job.leaseToken === null && attempt.status === 'pending' && attempt.nextAttemptAt && !this.stopping) {
      this.transientDue.push({ job: { ...job, attempt }, due: attempt.nextAttemptAt.getTime() });
    }
  }

  /** Until when a subscription is paused, as far as this instance knows (0: not paused). */
  private pausedUntil(subscription: WebhookSubscription): number {
    const id = subscription.id;
    const local = this.pauses.get(id) ?? 0;
    const indexed = this.registry.getActive(id)?.pausedUntil?.getTime() ?? 0;
    return Math.max(local, indexed, subscription.pausedUntil?.getTime() ?? 0);
  }

  private notePause(subscriptionId: string, until: number): void {
    if ((this.pauses.get(subscriptionId) ?? 0) < until) this.pauses.set(subscriptionId, until);
    if (this.pauses.size > 1024) {
      const now = this.options.clock.now();
      for (const [id, end] of this.pauses) if (end <= now) this.pauses.delete(id);
    }
  }

  /** A scheduled retry of an inactive subscription: resolved as failed without a request. */
  private cancelled(job: DeliveryJob, now: number): TryRecord {
    const attempt = withChanges(job.attempt, {
      status: 'failed',
      message: RETRY_CANCELLED_MESSAGE,
      nextAttemptAt: null,
      nextTrigger: null,
      leaseOwner: null,
      leaseUntil: null,
      resolvedAt: new Date(now),
    });
    return { job, attempt };
  }

  private async attempt(job: DeliveryJob, request: BuiltRequest['request']): Promise<TryOutcome> {
    const { delivery } = this.options;
    let destination;
    try {
      destination = await this.guard.resolve(request.url);
    } catch (error) {
      const kind = error instanceof WebhookDestinationError ? error.kind : 'invalid';
      return {
        success: false,
        message: kind === 'blocked' ? (error as Error).message : DESTINATION_VERIFICATION_FAILED,
        statusCode: 0,
        response: null,
        error,
        // A blocked or malformed destination stays so; a name that did not resolve may resolve later.
        retryable: kind === 'unresolvable',
      };
    }
    const began = performance.now();
    let response: WebhookTransportResponse;
    try {
      response = await this.transport.send(request, {
        destination,
        timeout: delivery.timeout,
        connectTimeout: delivery.connectTimeout,
        maxResponseBodyBytes: delivery.maxResponseBodyBytes,
      });
    } catch (error) {
      return { success: false, message: REMOTE_ERROR, statusCode: 0, response: null, error, retryable: true };
    }
    const recorded: WebhookAttemptResponse = {
      statusCode: response.statusCode,
      reason: response.reason,
      headers: response.headers,
      body: response.body,
      truncated: response.truncated,
      elapsedMs: Math.round((performance.now() - began) * 100) / 100,
    };
    try {
      this.responseInspector?.(response, job);
    } catch (error) {
      return { success: false, message: RESPONSE_HANDLING_ERROR, statusCode: response.statusCode, response: recorded, error, retryable: true };
    }
    const success = response.statusCode >= 200 && response.statusCode < 300;
    return {
      success,
      message: httpStatusMessage(response.statusCode, response.reason),
      statusCode: response.statusCode,
      response: recorded,
      retryable: !success,
      retryAfter: success ? undefined : responseHeader(response.headers, 'retry-after'),
    };
  }

  private recordOf(
    job: DeliveryJob,
    outcome: TryOutcome,
    stored: BuiltRequest['stored'],
    startedAt: number,
    elapsedMs: number,
  ): TryRecord {
    const { attempt, subscription } = job;
    const now = this.options.clock.now();
    const verdict = judgeTry(
      {
        success: outcome.success,
        retryable: outcome.retryable,
        statusCode: outcome.statusCode,
        retryAfter: outcome.retryAfter,
        triesDone: attempt.attemptCount + 1,
        retries: attempt.event !== TEST_EVENT,
      },
      effectiveRetryPolicy(this.options.retry, subscription.retryPolicy),
      this.options.retry,
      now,
    );
    const tryRecord: WebhookAttemptTry = {
      number: attempt.attemptCount + 1,
      trigger: job.trigger,
      at: new Date(startedAt).toISOString(),
      statusCode: outcome.statusCode,
      message: outcome.message,
      elapsedMs,
      ...(outcome.error !== undefined ? { error: describeError(outcome.error).split('\n')[0] } : {}),
      ...(verdict.nextAttemptAt !== null ? { nextAttemptAt: new Date(verdict.nextAttemptAt).toISOString() } : {}),
    };
    const next = withChanges(attempt, {
      status: verdict.status,
      message: outcome.message,
      request: stored,
      response: outcome.response,
      internalInfo: {
        ...attempt.internalInfo,
        exceptionHistory:
          outcome.error !== undefined ? [...attempt.internalInfo.exceptionHistory, describeError(outcome.error)] : attempt.internalInfo.exceptionHistory,
      },
      tries: [...attempt.tries, tryRecord],
      attemptCount: attempt.attemptCount + 1,
      nextAttemptAt: verdict.nextAttemptAt === null ? null : new Date(verdict.nextAttemptAt),
      nextTrigger: null,
      leaseOwner: null,
      leaseUntil: null,
      resolvedAt: verdict.status === 'pending' ? null : new Date(now),
    });
    return {
      job,
      attempt: next,
      ...(verdict.deactivate !== undefined ? { deactivate: verdict.deactivate } : {}),
      ...(verdict.pauseUntil !== null ? { pause: verdict.pauseUntil } : {}),
    };
  }
}

/** What starts an attempt's next try: a manual retry, a scheduled retry, or the first (scheduled) try. */
function triggerOf(attempt: WebhookDeliveryAttempt): DeliveryJob['trigger'] {
  return attempt.nextTrigger ?? (attempt.attemptCount > 0 ? 'retry' : 'scheduled');
}

/** A copy of an entity (same prototype) with `changes`: snapshots held elsewhere stay as they were. */
function withChanges<T extends object>(entity: T, changes: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(entity) as object) as T, entity, changes);
}
