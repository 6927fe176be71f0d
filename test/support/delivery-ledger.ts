import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request the ledger received: a try of one delivery (path + `webhook-id`). */
export interface LedgerEntry {
  path: string;
  /** The `webhook-id` header. */
  id: string;
  /** `path webhook-id`: one attempt (one subscription's delivery of one message). */
  key: string;
  body: string;
  /** The body parsed as JSON (undefined when it is not). */
  json: any;
  /** How many earlier requests had the same key. */
  nth: number;
  /**
   * Epoch ms (sub-millisecond) when the request had fully arrived, and when it was answered (or the
   * sender closed the connection without waiting for the answer).
   */
  arrivedAt: number;
  answeredAt?: number;
  status?: number;
}

/** How the ledger answers a request; a promise holds the answer back until it settles. */
export interface LedgerAnswer {
  status?: number;
  body?: string;
  /** Wait this long (ms) before answering. */
  delay?: number;
}

export type LedgerResponder = (entry: LedgerEntry) => LedgerAnswer | Promise<LedgerAnswer>;

/** Two tries of one attempt that were in flight at the same time: the second arrived before the first was answered. */
export interface LedgerOverlap {
  first: LedgerEntry;
  second: LedgerEntry;
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * A real HTTP receiver on 127.0.0.1 that keeps a ledger of every try per delivery (`path` + `webhook-id`):
 * when each request arrived and when it was answered. From it fault tests read what was lost (an id
 * never seen), what was sent twice, and what was sent by two senders at the same time (two tries of one
 * delivery in flight together). Answers come from a responder, which may delay or hold them.
 */
export class DeliveryLedger {
  readonly entries: LedgerEntry[] = [];
  private readonly byKey = new Map<string, LedgerEntry[]>();
  private server!: Server;
  private wakers: Array<() => void> = [];

  private constructor(private responder: LedgerResponder) {}

  static async start(responder: LedgerResponder = () => ({})): Promise<DeliveryLedger> {
    const ledger = new DeliveryLedger(responder);
    ledger.server = createServer((req, res) => void ledger.handle(req, res));
    ledger.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => ledger.server.listen(0, '127.0.0.1', () => resolve()));
    return ledger;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Replaces the responder. */
  answer(responder: LedgerResponder): void {
    this.responder = responder;
  }

  /** The tries of one delivery, in arrival order. */
  tries(path: string, id: string): LedgerEntry[] {
    return this.byKey.get(`${path} ${id}`) ?? [];
  }

  /** Every delivery key seen, with its tries. */
  deliveries(path?: string): Map<string, LedgerEntry[]> {
    if (path === undefined) return new Map(this.byKey);
    return new Map([...this.byKey].filter(([, list]) => list[0].path === path));
  }

  /** The distinct `webhook-id`s that reached `path`. */
  ids(path: string): Set<string> {
    return new Set([...this.deliveries(path).values()].map((list) => list[0].id));
  }

  /** Pairs of tries of one delivery that were in flight at the same time. */
  overlaps(): LedgerOverlap[] {
    const found: LedgerOverlap[] = [];
    for (const list of this.byKey.values()) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          if (list[j].arrivedAt < (list[i].answeredAt ?? Infinity)) found.push({ first: list[i], second: list[j] });
        }
      }
    }
    return found;
  }

  /** Requests received and not answered yet. */
  get unanswered(): number {
    return this.entries.filter((entry) => entry.answeredAt === undefined).length;
  }

  /** Resolves once `condition()` holds, re-checking on every request and answer; rejects after `timeout` ms. */
  async until(condition: () => boolean, what: string, timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(
          `delivery ledger: still waiting after ${timeout} ms for ${what} (${this.entries.length} requests so far)`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    const id = String(req.headers['webhook-id'] ?? '');
    const key = `${path} ${id}`;
    const body = Buffer.concat(chunks).toString('utf8');
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const list = this.byKey.get(key) ?? [];
    const entry: LedgerEntry = { path, id, key, body, json, nth: list.length, arrivedAt: now() };
    list.push(entry);
    this.byKey.set(key, list);
    this.entries.push(entry);
    // A sender that gave up (timeout) closed the connection: its try ended then, not when we answer.
    res.on('close', () => {
      entry.answeredAt ??= now();
      this.wake();
    });
    this.wake();
    let answer: LedgerAnswer;
    try {
      answer = await this.responder(entry);
    } catch {
      answer = { status: 500 };
    }
    if (answer.delay) await new Promise((resolve) => setTimeout(resolve, answer.delay));
    if (res.destroyed) return;
    entry.status = answer.status ?? 200;
    entry.answeredAt = now();
    res.writeHead(entry.status, { 'content-type': 'text/plain' });
    res.end(answer.body ?? '');
    this.wake();
  }
}
