import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { describeError, shutdownHooksOffLog } from '../core/messages/delivery.messages';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import { WebhookTransport } from '../options/webhook-transport.interface';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { ACTIVE_SUBSCRIPTIONS, type ActiveSubscriptions } from '../pipeline/active-subscriptions.interface';
import { WebhookPipelineActivity } from '../pipeline/pipeline.activity';
import { AttemptRecorder, type TryResult } from '../record/attempt.recorder';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';
import { WEBHOOK_SUBSCRIPTION_STORE, type WebhookSubscriptionStore } from '../stores/subscription-store.interface';
import { deliveryJobsFor } from './delivery-job.builder';
import type { DeliveryJob } from './delivery-job.interface';
import { DeliveryTry } from './delivery.try';
import { LeaseKeeper } from './lease.keeper';
import { PauseTracker } from './pause.tracker';
import { CircuitBreakers } from './circuit.breakers';
import { WEBHOOK_BREAKER_STORE, type WebhookBreakerStore } from '../stores/breaker-store.interface';
import { WebhookOutcomeBus } from '../pipeline/outcome.bus';

/**
 * Results waiting to be written, per slot, beyond which no new try starts: enough for the recorder's batches
 * to grow under load (one transaction per batch), few enough to bound what a crash leaves unrecorded.
 */
const UNRECORDED_PER_SLOT = 4;

/** The least a rate-limited attempt may wait here between its claim and its try (ms). */
const RATE_SLACK_MS = 20;

/** How long after the start the engine looks for a SIGTERM listener (`app.enableShutdownHooks()`). */
const SHUTDOWN_HOOKS_CHECK_DELAY = 1_000;

/**
 * The delivery engine: sends the attempts of committed events and records every try.
 *
 * Attempts reach it two ways. On the happy path the outbox hands over the attempts of a transaction the
 * moment it commits — already leased to this instance when they were written — so nothing waits for a poll.
 * Otherwise a poll every `delivery.pollInterval` claims due attempts nobody holds (those of a crashed
 * instance once their lease ran out, and retries), with `FOR UPDATE SKIP LOCKED` where the database has it,
 * so that instances never claim the same ones. Leases are renewed while attempts wait here, and every result
 * is written only if the lease is still ours, so a stalled instance never overwrites the result of the one
 * that took over.
 */
@Injectable()
export class DeliveryEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDeliveryEngine');
  private queue: DeliveryJob[] = [];
  private head = 0;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  /** Tries over, their results not written yet. */
  private recording = 0;
  private idleWaiters: Array<() => void> = [];
  private pollTimer?: NodeJS.Timeout;
  private polling?: Promise<number>;
  /** A poll is due at once (a wake-up, a backlog): work is still to come. */
  private pollSoon = false;
  /** Whether the last poll may have left due attempts behind: it claimed all it had room for. */
  private backlog = false;
  private started = false;
  private stopping = false;
  private paused = false;
  private readonly leases: LeaseKeeper;
  private readonly pauses: PauseTracker;
  private readonly breakers: CircuitBreakers;

  constructor(
    @Inject(WEBHOOK_ATTEMPT_STORE) store: WebhookAttemptStore,
    @Inject(WEBHOOK_SUBSCRIPTION_STORE) private readonly subscriptions: WebhookSubscriptionStore,
    @Inject(ACTIVE_SUBSCRIPTIONS) private readonly active: ActiveSubscriptions,
    private readonly tries: DeliveryTry,
    private readonly recorder: AttemptRecorder,
    private readonly transport: WebhookTransport,
    private readonly activity: WebhookPipelineActivity,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    @Inject(WEBHOOK_BREAKER_STORE) breakerStore: WebhookBreakerStore,
    outcomes: WebhookOutcomeBus,
  ) {
    this.breakers = new CircuitBreakers(breakerStore, options, outcomes, this.logger);
    this.leases = new LeaseKeeper(store, options, this.logger);
    this.pauses = new PauseTracker(active, options.clock);
  }

  /** Whether this instance sends (`delivery.enabled`). */
  get enabled(): boolean {
    return this.options.delivery.enabled;
  }

  /** Whether the engine has started and is not shutting down (the health indicator reads it). */
  get isRunning(): boolean {
    return this.started && !this.stopping;
  }

  /** HTTP tries in flight now (the `webhooks.inflight` gauge). */
  get inFlightTries(): number {
    return this.inFlight;
  }

  /** Attempts waiting here plus tries in flight. */
  get load(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.started = true;
    this.leases.start();
    this.breakers.start();
    this.schedulePoll(0);
    // Nest does not tell a module whether app.enableShutdownHooks() was called (before or after listen()), but
    // it then listens to SIGTERM: looked at once the application has had time to start.
    setTimeout(() => {
      if (!this.stopping && process.listenerCount('SIGTERM') === 0) {
        this.logger.warn(shutdownHooksOffLog(this.options.delivery.leaseDuration));
      }
    }, SHUTDOWN_HOOKS_CHECK_DELAY).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    clearTimeout(this.pollTimer);
    this.breakers.stop();
    await this.polling;
    // A claim under way queues what it gets: wait for it, so that those go back to the store too.
    await this.leases.whenClaimed();
    // Attempts not started yet go back to the store for another instance (or the next start).
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    await this.leases.stop(waiting);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.options.delivery.shutdownTimeout).unref());
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    await Promise.race([this.recorder.whenRecorded(), deadline]);
    await Promise.race([this.activity.settled(), deadline]);
    await this.transport.close();
  }

  /**
   * Takes the attempts of a transaction that just committed. They were leased to this instance when they
   * were written; if the transaction took so long that the lease is running out, it is renewed first (in
   * the background). It runs after the caller's commit, with nobody to tell: attempts it cannot claim are
   * sent once their lease runs out.
   */
  enqueueCommitted(jobs: DeliveryJob[]): void {
    if (jobs.length === 0 || !this.started || this.stopping) return; // The leases run out and another run sends them.
    const now = this.options.clock.now();
    const { leaseDuration } = this.options.delivery;
    const fresh = jobs.filter((job) => job.leaseUntil - now > leaseDuration / 2);
    if (fresh.length < jobs.length) {
      const stale = jobs.filter((job) => !fresh.includes(job));
      void this.activity.track(this.leases.reclaim(stale, now, (claimed) => this.push(claimed)));
    }
    this.push(fresh);
  }

  /** Claims the given attempts if nobody holds them, and sends them (dispatches with an explicit message id, retries). */
  async claimAndEnqueue(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.started || this.stopping) return;
    await this.activity.track(
      this.leases.claimNow(ids, async (attempts, token, until) =>
        this.push(await this.jobsFor(attempts, token, until)),
      ),
    );
  }

  /** Polls soon, e.g. after attempts were made due by a replay. */
  wake(): void {
    this.schedulePoll(0);
  }

  /** Runs one poll now and waits for it (tests and the testing kit drive time this way); returns how many it claimed. */
  async pollNow(): Promise<number> {
    if (!this.started || this.stopping) return 0;
    await this.polling;
    this.polling = this.pollOnce();
    try {
      return await this.polling;
    } finally {
      this.polling = undefined;
    }
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
   * Resolves when nothing is queued, in flight, waiting to be recorded or following from a result (the
   * reactions) here. Rejects after `timeout` ms saying what is still busy.
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
      let timer: NodeJS.Timeout | undefined;
      const woken = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(left, 50));
        this.idleWaiters.push(resolve);
      });
      // What follows a delivery (results being written, reactions) ends without telling the engine: wait for
      // it directly rather than for the next look.
      await Promise.race(this.activity.idle ? [woken] : [woken, this.activity.settled()]);
      clearTimeout(timer);
    }
  }

  private isIdle(): boolean {
    return (
      this.queue.length === this.head &&
      this.inFlight === 0 &&
      this.recording === 0 &&
      !this.polling &&
      !this.pollSoon &&
      this.activity.idle
    );
  }

  private schedulePoll(delay: number): void {
    if (!this.started || this.stopping) return;
    clearTimeout(this.pollTimer);
    // A poll asked for at once (since the last one started) is not put off by a later, slower request.
    if (delay === 0) this.pollSoon = true;
    this.pollTimer = setTimeout(() => void this.poll(), this.pollSoon ? 0 : delay);
    this.pollTimer.unref();
  }

  private async poll(): Promise<void> {
    this.pollSoon = false;
    if (this.stopping) return;
    if (this.polling) {
      // A poll of pollNow() is under way: the timer's poll comes after it, so that the chain of polls goes on.
      const current = this.polling;
      void current.finally(() =>
        this.schedulePoll(this.backlog && this.hasRoom() ? 0 : this.options.delivery.pollInterval),
      );
      return;
    }
    this.polling = this.pollOnce();
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
    const { concurrency, batchSize } = this.options.delivery;
    this.backlog = false;
    if (this.paused) return 0;
    const room = Math.min(batchSize, concurrency * 2 - this.load);
    if (room <= 0) {
      this.backlog = true;
      return 0;
    }
    try {
      const { attempts, token, until } = await this.leases.claimDue(room);
      this.backlog = attempts.length === room;
      this.push(await this.jobsFor(attempts, token, until));
      return attempts.length;
    } catch (error) {
      this.logger.error(`Polling for due webhook attempts failed: ${(error as Error).message}`);
      return 0;
    }
  }

  private jobsFor(attempts: WebhookDeliveryAttempt[], token: string, until: number): Promise<DeliveryJob[]> {
    return deliveryJobsFor(attempts, { token, until }, this.active, this.subscriptions);
  }

  private push(jobs: DeliveryJob[]): void {
    const { leaseDuration } = this.options.delivery;
    for (const job of jobs) {
      // The lease was taken at the claim's `now`: a rate limit's token was drawn then, not when it got here.
      job.claimedAt ??= job.leaseUntil - leaseDuration;
      this.leases.hold(job);
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
    while (
      !this.paused &&
      this.inFlight < concurrency &&
      this.head < this.queue.length &&
      this.recording < UNRECORDED_PER_SLOT * concurrency
    ) {
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
        this.leases.drop(job);
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

  /** One try of one attempt, recorded; `tried` is called once the HTTP part is over. Never throws. */
  private async deliver(job: DeliveryJob, tried: () => void): Promise<void> {
    try {
      let result: TryResult;
      // A throttled target is not tried before its pause ends, and waiting uses up no try.
      const pausedUntil = this.pauses.until(job.subscription);
      const now = this.options.clock.now();
      if (pausedUntil > now) result = this.tries.deferred(job, pausedUntil);
      // Its token was drawn at the claim: sent much later, it could bunch up with later ones at the target.
      else if (overdue(job, now)) result = this.tries.deferred(job, now);
      else if (job.trigger === 'retry' && !job.subscription.active) result = this.tries.cancelled(job);
      // Without the `breaker` option a try pays nothing for it (no gate to await, no result to count).
      else if (!this.breakers.enabled) result = await this.tries.run(job);
      else {
        // An open breaker of the target's host: the attempt waits, untried, neither failed nor counted.
        const gate = await this.breakers.gate(job, now);
        if (typeof gate === 'number') result = this.tries.deferred(job, gate);
        else {
          result = await this.tries.run(job);
          void this.activity.track(this.breakers.note(job, result, gate === 'probe'));
        }
      }
      if (result.pause !== undefined) this.pauses.note(job.subscription.id, result.pause);
      tried();
      await this.recorder.record(result);
      // The next attempt of an ordering key waits for this one's result, and one of a subscription at its
      // maxInFlight for a free slot: look for it now, not at the next poll.
      if (job.attempt.orderingKey || (job.subscription.maxInFlight ?? null) !== null) this.schedulePoll(0);
    } catch (error) {
      // Only a bug gets here (recording retries on its own); the lease brings the attempt back later.
      this.logger.error(`Delivering webhook attempt ${job.attempt.id} failed unexpectedly: ${describeError(error)}`);
    }
  }
}

/**
 * Whether a rate-limited attempt waited here longer than one interval of its rate since it was claimed
 * (a busy instance): it goes back, untried, to be claimed under a fresh token.
 */
function overdue(job: DeliveryJob, now: number): boolean {
  const limit = job.subscription.rateLimit ?? null;
  if (limit === null || job.claimedAt === undefined) return false;
  return now - job.claimedAt > Math.max(RATE_SLACK_MS, 1000 / limit.perSecond);
}
