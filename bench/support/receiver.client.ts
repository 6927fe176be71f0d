import type { ChildProcess } from 'node:child_process';
import { forkCompiled } from './node-child';
import type { ReceiverReady, ReceiverRequest, ReceiverResponse, ReceiverStats } from './receiver.protocol';

/** How long the receiver may take to start listening or to answer a question. */
const RECEIVER_TIMEOUT_MS = 15_000;

type Question = ReceiverRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The benchmark process's handle on the receiver child (`bench/receiver.ts`): its URL, its counters and
 * the arrival time of each `webhook-id`, on this process's clock.
 */
export class Receiver {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Receiver clock minus this process's clock, in ms (see {@link calibrate}). */
  clockOffsetMs = 0;
  /** Half the round trip of the best calibration ping: the uncertainty of {@link clockOffsetMs}. */
  clockUncertaintyMs = NaN;

  private constructor(
    private readonly child: ChildProcess,
    /** The receiver's port on 127.0.0.1. */
    readonly port: number,
  ) {
    child.on('message', (message: ReceiverResponse) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`receiver: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`the receiver exited (code ${code}, signal ${signal})`));
      }
      this.pending.clear();
    });
  }

  /** Starts a receiver child process and waits until it listens. */
  static async start(): Promise<Receiver> {
    const child = forkCompiled('bench/receiver.ts');
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the receiver did not start within ${RECEIVER_TIMEOUT_MS} ms`));
      }, RECEIVER_TIMEOUT_MS);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the receiver exited at start (code ${code})`)));
      child.once('message', (message: ReceiverReady) => {
        clearTimeout(timer);
        if (message.op === 'ready') resolve(message.port);
        else reject(new Error(`unexpected first message from the receiver: ${JSON.stringify(message)}`));
      });
    });
    const receiver = new Receiver(child, port);
    await receiver.calibrate();
    return receiver;
  }

  /** `http://127.0.0.1:<port>` followed by `path`. */
  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The receiver's pid (to keep it out of measurements of this process). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  stats(): Promise<ReceiverStats> {
    return this.ask({ op: 'stats' }) as Promise<ReceiverStats>;
  }

  /** Answers the requests held under `/hold` and stops holding (until the next reset); returns how many. */
  async release(): Promise<number> {
    return (await this.ask({ op: 'release' })) as number;
  }

  /** Forgets the counters and arrival times (and holds `/hold` requests again). */
  async reset(): Promise<void> {
    await this.ask({ op: 'reset' });
  }

  /**
   * Arrival times of the given `webhook-id`s (or of every recorded one), converted to this process's
   * clock (`performance.timeOrigin + performance.now()`); `null` for an id that never arrived.
   */
  async arrivals(ids?: string[]): Promise<Map<string, number | null>> {
    const pairs = (await this.ask(ids ? { op: 'arrivals', ids } : { op: 'arrivals' })) as Array<
      [string, number | null]
    >;
    return new Map(pairs.map(([id, at]) => [id, at === null ? null : at - this.clockOffsetMs]));
  }

  /**
   * Estimates the offset between the two processes' clocks (both are `timeOrigin + now()`, so they
   * differ only by how each process measured its start): the ping with the shortest round trip wins.
   */
  async calibrate(pings = 25): Promise<void> {
    let best = Infinity;
    for (let i = 0; i < pings; i++) {
      const sent = performance.timeOrigin + performance.now();
      const theirs = (await this.ask({ op: 'now' })) as number;
      const back = performance.timeOrigin + performance.now();
      if (back - sent < best) {
        best = back - sent;
        this.clockOffsetMs = theirs - (sent + back) / 2;
      }
    }
    this.clockUncertaintyMs = best / 2;
  }

  /** Stops the receiver. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  private ask(question: Question): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the receiver did not answer ${question.op} within ${RECEIVER_TIMEOUT_MS} ms`));
      }, RECEIVER_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, ...question } as ReceiverRequest);
    });
  }
}
