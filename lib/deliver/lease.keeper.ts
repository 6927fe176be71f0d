import type { Logger } from '@nestjs/common';
import { newLeaseToken } from '../core/util/ids.util';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import type { WebhookAttemptStore } from '../stores/attempt-store.interface';
import type { DeliveryJob } from './delivery-job.interface';

/**
 * The engine's leases: claims of attempts (due ones, given ones, and committed ones whose lease is running
 * out), renewal of what the engine holds while it waits or is being tried, and handing back what it will not
 * send when the application shuts down. A claim made after a commit never fails its caller: a failure (the
 * database went away just then) is logged, and the attempts are sent later, when their lease runs out or by
 * the next poll.
 */
export class LeaseKeeper {
  /** Attempts queued or in flight here, by id. */
  private readonly held = new Map<string, DeliveryJob>();
  private readonly claims = new Set<Promise<void>>();
  private renewTimer?: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly store: WebhookAttemptStore,
    private readonly options: ResolvedWebhooksOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts renewing, a few times per lease duration. */
  start(): void {
    const { leaseDuration } = this.options.delivery;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(Math.floor(leaseDuration / 3), 100));
    this.renewTimer.unref();
  }

  hold(job: DeliveryJob): void {
    this.held.set(job.attempt.id, job);
  }

  /** Forgets an attempt whose result is written. */
  drop(job: DeliveryJob): void {
    this.held.delete(job.attempt.id);
  }

  /** Claims up to `room` due attempts under a new lease. */
  async claimDue(room: number): Promise<{ attempts: WebhookDeliveryAttempt[]; token: string; until: number }> {
    const now = this.options.clock.now();
    const token = newLeaseToken();
    const until = now + this.options.delivery.leaseDuration;
    const rules = { orderedFailure: this.options.delivery.orderedFailure };
    return { attempts: await this.store.claimDue(now, room, token, until, rules), token, until };
  }

  /** Claims the given attempts if nobody holds them; `onClaimed` gets those claimed. */
  claimNow(
    ids: string[],
    onClaimed: (attempts: WebhookDeliveryAttempt[], token: string, until: number) => Promise<void>,
  ): Promise<void> {
    const now = this.options.clock.now();
    const token = newLeaseToken();
    const until = now + this.options.delivery.leaseDuration;
    return this.claiming(
      async () => {
        const rules = { orderedFailure: this.options.delivery.orderedFailure };
        await onClaimed(await this.store.claim(ids, token, until, now, undefined, rules), token, until);
      },
      ids.length,
      'by the next poll',
    );
  }

  /** Renews the leases of committed attempts whose lease is running out, by claiming them from their own token. */
  reclaim(stale: DeliveryJob[], now: number, onClaimed: (jobs: DeliveryJob[]) => void): Promise<void> {
    return this.claiming(
      async () => {
        const until = now + this.options.delivery.leaseDuration;
        const byToken = new Map<string, DeliveryJob[]>();
        for (const job of stale) byToken.set(job.leaseToken, [...(byToken.get(job.leaseToken) ?? []), job]);
        for (const [heldBy, group] of byToken) {
          const token = newLeaseToken();
          const claimed = new Set(
            (
              await this.store.claim(
                group.map((job) => job.attempt.id),
                token,
                until,
                now,
                heldBy,
              )
            ).map((a) => a.id),
          );
          onClaimed(
            group
              .filter((job) => claimed.has(job.attempt.id))
              .map((job) => ({ ...job, leaseToken: token, leaseUntil: until })),
          );
        }
      },
      stale.length,
      'once their lease runs out',
    );
  }

  /** Resolves once the claims under way have queued what they got. */
  async whenClaimed(): Promise<void> {
    await Promise.all([...this.claims]);
  }

  /** Stops renewing and hands `waiting` back, due now, for another instance (or the next start). */
  async stop(waiting: readonly DeliveryJob[]): Promise<void> {
    clearInterval(this.renewTimer);
    for (const job of waiting) this.held.delete(job.attempt.id);
    if (waiting.length === 0) return;
    try {
      await this.store.release(
        waiting.map((job) => ({ id: job.attempt.id, token: job.leaseToken })),
        this.options.clock.now(),
      );
    } catch (error) {
      this.logger.warn(
        `Could not hand back ${waiting.length} attempts; their leases will run out: ${(error as Error).message}`,
      );
    }
  }

  private async claiming(claim: () => Promise<void>, count: number, later: string): Promise<void> {
    const tracked = claim().catch((error: unknown) => {
      this.logger.warn(
        `Could not claim ${count} committed webhook attempts; they are sent ${later}: ${(error as Error).message}`,
      );
    });
    this.claims.add(tracked);
    try {
      await tracked;
    } finally {
      this.claims.delete(tracked);
    }
  }

  private async renew(): Promise<void> {
    // A renewal the database is slow to answer is not joined by more, each holding a connection.
    if (this.renewing || this.held.size === 0) return;
    const jobs = [...this.held.values()];
    const until = this.options.clock.now() + this.options.delivery.leaseDuration;
    this.renewing = true;
    try {
      await this.store.renew(
        jobs.map((job) => ({ id: job.attempt.id, token: job.leaseToken })),
        until,
      );
      for (const job of jobs) job.leaseUntil = until;
    } catch (error) {
      this.logger.warn(`Could not renew webhook leases: ${(error as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }
}
