import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { WebhooksModuleOptions } from '../../lib';
import { compiledSources } from './compiled-sources';
import type { ChildCommand, ChildMessage, InstanceConfig, RaisedEvent, WrittenResults } from './instance.protocol';

const CHILD = 'test/support/instance-child.js';
/** Output kept per child, for failure messages. */
const OUTPUT_LIMIT = 16_000;

/** How a child ended. */
export interface InstanceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What `raise` reports as it goes. */
export interface RaiseProgress {
  /** Transactions begun: `[from, to)` of their event numbers. */
  onStarted?(from: number, to: number): void;
  onCommitted?(events: RaisedEvent[]): void;
  onRolledBack?(events: RaisedEvent[]): void;
}

type Command = ChildCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/**
 * An application instance (Nest app + TypeORM + the webhooks module) in a child process of its own, for
 * fault tests: started with node on the compiled sources, told over IPC to raise events or report, and
 * killed (SIGKILL), frozen (SIGSTOP) or thawed (SIGCONT) at will. Its output is kept, not printed, and
 * shown when something it was asked fails. Every instance still running is stopped by {@link killAll}.
 */
export class WebhooksInstance {
  private static readonly running = new Set<WebhooksInstance>();

  readonly exited: Promise<InstanceExit>;
  private readonly child: ChildProcess;
  private output = '';
  private nextId = 1;
  private readonly replies = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private progress: RaiseProgress = {};
  private exit?: InstanceExit;
  private readyResolve!: () => void;
  private readyReject!: (error: Error) => void;
  private loadedResolve!: () => void;
  private loadedReject!: (error: Error) => void;
  /** Resolves when the app has booted; rejects if the process ends first. */
  readonly ready: Promise<void>;
  /** For a standby instance: resolves when its modules are loaded and it waits for {@link boot}; rejects if it ends first. */
  readonly loaded: Promise<void>;

  private constructor(
    readonly name: string,
    config: InstanceConfig,
    sources: string,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => undefined);
    this.loaded = new Promise((resolve, reject) => {
      this.loadedResolve = resolve;
      this.loadedReject = reject;
    });
    this.loaded.catch(() => undefined);
    this.child = spawn(process.execPath, ['--enable-source-maps', join(sources, CHILD)], {
      env: {
        ...process.env,
        WEBHOOKS_INSTANCE: JSON.stringify(config),
        NODE_PATH: join(process.cwd(), 'node_modules'),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('message', (message: ChildMessage) => this.receive(message));
    // A child killed while a message was on its way makes sending fail: the exit handler reports it.
    this.child.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        WebhooksInstance.running.delete(this);
        const error = new Error(`instance ${this.name} exited (${signal ?? `code ${code}`})${this.describeOutput()}`);
        this.readyReject(error);
        this.loadedReject(error);
        for (const { reject } of this.replies.values()) reject(error);
        this.replies.clear();
        resolve(this.exit);
      });
    });
    WebhooksInstance.running.add(this);
  }

  /**
   * Starts an instance without waiting for it to boot (see {@link ready}). It runs the sources compiled
   * once by {@link compiledSources} (the first call compiles them). A `standby` one loads its modules
   * and boots its app only when told ({@link boot}): a warm spare, so that a restart after a kill costs
   * what booting the app costs.
   */
  static async spawn(
    name: string,
    database: DataSourceOptions,
    webhooks: WebhooksModuleOptions,
    options: { standby?: boolean } = {},
  ): Promise<WebhooksInstance> {
    return new WebhooksInstance(name, { database, webhooks, standby: options.standby }, await compiledSources());
  }

  /** Starts an instance and waits until its app has booted (rejects after `timeout` ms). */
  static async start(
    name: string,
    database: DataSourceOptions,
    webhooks: WebhooksModuleOptions,
    timeout = 30_000,
  ): Promise<WebhooksInstance> {
    const instance = await WebhooksInstance.spawn(name, database, webhooks);
    await instance.whenReady(timeout);
    return instance;
  }

  /** Kills every instance still running (SIGKILL; SIGCONT first for a frozen one) and waits for them. */
  static async killAll(): Promise<void> {
    await Promise.all([...WebhooksInstance.running].map((instance) => instance.kill()));
  }

  /** Boots a standby instance's app (see {@link ready}). */
  boot(): void {
    this.child.send({ type: 'boot', id: 0 } satisfies ChildCommand);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Whether the process has ended. */
  get alive(): boolean {
    return this.exit === undefined;
  }

  async whenReady(timeout = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`instance ${this.name} not ready after ${timeout} ms${this.describeOutput()}`)),
        timeout,
      );
    });
    try {
      await Promise.race([this.ready, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Raises events `from` ≤ n < `to` in the child; `progress` hears of every transaction as it begins and
   * ends. Resolves when all are raised; rejects if the child dies first.
   */
  raise(
    plan: {
      event: string;
      from: number;
      to: number;
      perTransaction?: number;
      rollbackEvery?: number;
      explicitIdEvery?: number;
      idPrefix?: string;
    },
    progress: RaiseProgress = {},
  ): Promise<void> {
    this.progress = progress;
    return this.request({
      type: 'raise',
      perTransaction: 1,
      rollbackEvery: 0,
      explicitIdEvery: 0,
      idPrefix: `${this.name}_`,
      ...plan,
    });
  }

  /** Waits until the child's engine has nothing queued, in flight or being recorded. */
  whenIdle(timeout = 30_000): Promise<void> {
    return this.request({ type: 'idle', timeout }, timeout + 5_000);
  }

  /** The attempts whose results the child wrote (results fenced off by a newer lease are not among them). */
  written(): Promise<WrittenResults> {
    return this.request({ type: 'written' });
  }

  /** Closes the app gracefully (tries in flight finish, queued attempts are handed back) and waits for the exit. */
  async close(): Promise<InstanceExit> {
    if (!this.alive) return this.exit!;
    await this.request({ type: 'close' }, 30_000).catch(() => undefined);
    return this.exited;
  }

  /** SIGKILL: the process ends at once, wherever it was; resolves once it has. */
  async kill(): Promise<InstanceExit> {
    if (!this.alive) return this.exit!;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGSTOP: the process stops running (timers, sockets, lease renewal) until {@link thaw}. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** SIGCONT. */
  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** The child's output so far, for failure messages. */
  describeOutput(): string {
    const text = this.output.trim();
    return text ? `; its output ends with:\n${text.slice(-4000)}` : '';
  }

  private request<T>(command: Command, timeout = 120_000): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`instance ${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(
          new Error(`instance ${this.name}: no answer to ${command.type} after ${timeout} ms${this.describeOutput()}`),
        );
      }, timeout);
      this.replies.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...command, id } as ChildCommand, (error) => {
        if (error && this.alive) this.replies.get(id)?.reject(error);
      });
    });
  }

  private receive(message: ChildMessage): void {
    switch (message.type) {
      case 'loaded':
        this.loadedResolve();
        return;
      case 'ready':
        this.readyResolve();
        return;
      case 'started':
        this.progress.onStarted?.(message.from, message.to);
        return;
      case 'committed':
        this.progress.onCommitted?.(message.events);
        return;
      case 'rolledBack':
        this.progress.onRolledBack?.(message.events);
        return;
      case 'reply': {
        const waiting = this.replies.get(message.id);
        this.replies.delete(message.id);
        if (!waiting) return;
        if (message.error !== undefined) waiting.reject(new Error(`instance ${this.name}: ${message.error}`));
        else waiting.resolve(message.result);
      }
    }
  }
}
