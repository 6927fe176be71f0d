import type { DynamicModule } from '@nestjs/common';
import type { DispatchOptions, DispatchResult, WebhooksModuleOptions } from '../../lib';
import { WebhookDeliveryAttempt } from '../../lib/entities/webhook-delivery-attempt.entity';
import type { BenchDatabaseKind, BenchSqliteSettings } from './databases';
import { BENCH_EVENT_TYPES, type BenchEvent, makeEvents } from './payloads';
import { type AttemptCounts, BenchApp } from './webhooks-app';

/** How an event is raised: in an application transaction (the outbox), or on its own. */
export type DispatchMode = 'transaction' | 'direct';

/** Subscriptions of a persistent fleet: events spread round-robin over them, one subscription per event. */
export const PERSISTENT_SUBSCRIPTIONS = 1_000;
/** Resolved attempts kept per subscription: the module's default `attemptLimit`. */
export const HISTORY_LIMIT = 50;

/** What a fleet's end-of-run check found. */
export interface FleetCheck {
  /** Whether every dispatched event was delivered once and recorded successful. */
  ok: boolean;
  /** What was checked, with the numbers, for the notes column. */
  summary: string;
}

/** Options shared by the fleets. */
export interface FleetOptions {
  /** The receiver's origin (`http://127.0.0.1:<port>`). */
  origin: string;
  /** The first path segment of every target: the receiver counts requests by it. */
  path: string;
  /** Told the database version once it is known. */
  recordDatabase?: (kind: string, version: string) => void;
  /** More module options (merged over the fleet's). */
  webhooks?: WebhooksModuleOptions;
  /** More modules of the application. */
  imports?: DynamicModule['imports'];
  /** See {@link BenchAppOptions.dataSourceName}. */
  dataSourceName?: string;
  /** See {@link BenchAppOptions.sqlite}. */
  sqlite?: BenchSqliteSettings;
}

/**
 * An application with subscriptions that each event reaches exactly once, so that events/s is
 * deliveries/s (comparable with the raw baseline's requests/s), and a way to raise event n and wait until
 * its attempt is recorded successful.
 */
export abstract class Fleet {
  /** Events raised so far. */
  dispatched = 0;
  protected readonly events: BenchEvent[] = makeEvents(1000);

  protected constructor(
    readonly app: BenchApp,
    /** The first path segment of every target. */
    readonly path: string,
  ) {}

  /** The event name and payload of event `index`. */
  protected abstract event(index: number): { name: string; payload: Record<string, unknown> };

  /** More dispatch options of event `index` (an ordering key, say). */
  protected dispatchOptions(_index: number): DispatchOptions {
    return {};
  }

  /** Raises event `index`; resolves with the dispatch result once its transaction committed. */
  async raise(index: number, mode: DispatchMode): Promise<DispatchResult> {
    const { name, payload } = this.event(index);
    const more = this.dispatchOptions(index);
    const result =
      mode === 'transaction'
        ? await this.app.transaction((manager) => this.app.dispatcher.dispatch(name, payload, { ...more, manager }))
        : await this.app.dispatcher.dispatch(name, payload, more);
    if (result.attempts.length !== 1)
      throw new Error(`event ${name} reached ${result.attempts.length} subscriptions, not 1`);
    this.dispatched++;
    return result;
  }

  /** A closed-loop operation: raise event `index` and wait until its attempt is recorded successful. */
  task(mode: DispatchMode): (index: number) => Promise<void> {
    return async (index) => {
      const { attempts } = await this.raise(index, mode);
      await this.app.completions.wait(attempts[0].id);
    };
  }

  /** Checks, once idle, that every event was delivered once and recorded (`receiverCount`: requests seen under {@link path}). */
  abstract verify(receiverCount: number, receiverDuplicates: number): Promise<FleetCheck>;

  async close(): Promise<void> {
    await this.app.close();
  }

  protected common(receiverCount: number, receiverDuplicates: number): { ok: boolean; parts: string[] } {
    const { succeeded, failed, firstFailure } = this.app.completions;
    const ok =
      receiverCount === this.dispatched && receiverDuplicates === 0 && succeeded === this.dispatched && failed === 0;
    const parts = [
      `${this.dispatched.toLocaleString('en-US')} events raised (warm-up incl.)`,
      `receiver got ${receiverCount.toLocaleString('en-US')}${receiverDuplicates ? ` (${receiverDuplicates} duplicate ids)` : ''}`,
      `${succeeded.toLocaleString('en-US')} reported successful${failed ? `, ${failed} failed (first: ${firstFailure})` : ''}`,
    ];
    return { ok, parts };
  }
}

/**
 * Subscriptions declared in `forRoot({ subscriptions })`, one per event type of the fixtures, with
 * `storage: 'memory'`: subscriptions and attempts in memory (the SQLite data source is there, unused).
 */
export class MemoryFleet extends Fleet {
  static async start(options: FleetOptions): Promise<MemoryFleet> {
    const app = await BenchApp.start({
      database: 'sqlite',
      recordDatabase: options.recordDatabase,
      imports: options.imports,
      dataSourceName: options.dataSourceName,
      webhooks: {
        ...options.webhooks,
        storage: 'memory',
        subscriptions: BENCH_EVENT_TYPES.map((type) => ({
          to: `${options.origin}/${options.path}/${type}`,
          events: type,
        })),
      },
    });
    return new MemoryFleet(app, options.path);
  }

  protected event(index: number) {
    const event = this.events[index % this.events.length];
    return { name: event.type, payload: event.payload };
  }

  async verify(receiverCount: number, receiverDuplicates: number): Promise<FleetCheck> {
    await this.app.engine.whenIdle();
    const { ok, parts } = this.common(receiverCount, receiverDuplicates);
    return { ok, summary: `check ${ok ? 'ok' : 'FAILED'}: ${parts.join(', ')}` };
  }
}

/**
 * {@link PERSISTENT_SUBSCRIPTIONS} database subscriptions (`fleet<k>.create`), each with a full history of
 * {@link HISTORY_LIMIT} resolved attempts before the run: the steady state of a busy sender, where every
 * new result also drops the subscription's oldest one.
 */
export class PersistentFleet extends Fleet {
  private readonly perSubscription = new Uint32Array(PERSISTENT_SUBSCRIPTIONS);
  /** Seconds spent seeding subscriptions and history, for the notes. */
  seedSeconds = 0;

  static async start(kind: BenchDatabaseKind, options: FleetOptions): Promise<PersistentFleet> {
    const app = await BenchApp.start({
      database: kind,
      sqlite: options.sqlite,
      recordDatabase: options.recordDatabase,
      imports: options.imports,
      webhooks: options.webhooks,
    });
    try {
      const began = performance.now();
      const subscriptions = await app.seedSubscriptions(
        Array.from({ length: PERSISTENT_SUBSCRIPTIONS }, (_, k) => ({
          to: `${options.origin}/${options.path}/${k}`,
          events: [`fleet${k}.create`],
        })),
      );
      await app.prefillHistory(subscriptions, HISTORY_LIMIT, makeEvents(1)[0].body);
      const fleet = new PersistentFleet(app, options.path);
      fleet.seedSeconds = (performance.now() - began) / 1000;
      return fleet;
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  protected event(index: number) {
    const k = index % PERSISTENT_SUBSCRIPTIONS;
    this.perSubscription[k]++;
    return { name: `fleet${k}.create`, payload: this.events[index % this.events.length].payload };
  }

  /**
   * Besides the events and the receiver: no attempt left pending or failed, every subscription back at
   * exactly {@link HISTORY_LIMIT} rows, and of those, the newest `min(limit, raised)` per subscription
   * are this run's (so the results were written, and then the history trimmed as the rules say).
   */
  async verify(receiverCount: number, receiverDuplicates: number): Promise<FleetCheck> {
    await this.app.engine.whenIdle();
    const { ok: common, parts } = this.common(receiverCount, receiverDuplicates);
    const counts: AttemptCounts = await this.app.attemptCounts();
    const fromRun = Number(
      (
        await this.app.dataSource
          .createQueryBuilder()
          .select('COUNT(*)', 'n')
          .from(WebhookDeliveryAttempt, 'a')
          .where("a.message_id NOT LIKE 'msg\\_prefill\\_%' ESCAPE '\\'")
          .andWhere("a.status = 'successful'")
          .getRawOne<{ n: string }>()
      )?.n ?? 0,
    );
    let expectedFromRun = 0;
    for (const n of this.perSubscription) expectedFromRun += Math.min(n, HISTORY_LIMIT);
    const expectedRows = PERSISTENT_SUBSCRIPTIONS * HISTORY_LIMIT;
    const ok =
      common &&
      counts.pending === 0 &&
      counts.failed === 0 &&
      counts.successful === expectedRows &&
      fromRun === expectedFromRun;
    parts.push(
      `rows: ${counts.successful.toLocaleString('en-US')} successful (expected ${expectedRows.toLocaleString('en-US')}), ` +
        `${counts.pending} pending, ${counts.failed} failed; ${fromRun.toLocaleString('en-US')} kept from this run (expected ${expectedFromRun.toLocaleString('en-US')})`,
    );
    return { ok, summary: `check ${ok ? 'ok' : 'FAILED'}: ${parts.join(', ')}` };
  }
}
