import type { DataSourceOptions } from 'typeorm';
import type { WebhooksModuleOptions } from '../../lib';

/** What a child instance boots with (JSON in the WEBHOOKS_INSTANCE environment variable). */
export interface InstanceConfig {
  database: DataSourceOptions;
  /** Module options; JSON only (no resolvers, transports or clocks). */
  webhooks: WebhooksModuleOptions;
  /** Load the sources, say `loaded`, and boot the app only when told (`boot`). */
  standby?: boolean;
}

/** An event the child raised: its sequence number and message id (`webhook-id`). */
export interface RaisedEvent {
  n: number;
  messageId: string;
}

/** Attempt ids whose results a child wrote, by the event it emitted after the write committed. */
export interface WrittenResults {
  succeeded: string[];
  failed: string[];
  retrying: string[];
}

/** Requests from the test to a child; each gets a `reply` with the same id. */
export type ChildCommand = { id: number } & (
  | {
      /**
       * Raises events `from` ≤ n < `to` (payload `{ n, rollback }`), `perTransaction` per transaction;
       * a transaction holding a multiple of `rollbackEvery` rolls back (0: none); events whose n is a
       * multiple of `explicitIdEvery` get the message id `idPrefix + n` (0: none).
       */
      type: 'raise';
      event: string;
      from: number;
      to: number;
      perTransaction: number;
      rollbackEvery: number;
      explicitIdEvery: number;
      idPrefix: string;
    }
  | { type: 'boot' }
  | { type: 'idle'; timeout: number }
  | { type: 'written' }
  | { type: 'close' }
);

/** Messages from a child: readiness, progress of `raise`, and replies. */
export type ChildMessage =
  | { type: 'loaded' }
  | { type: 'ready'; pid: number }
  | { type: 'started'; from: number; to: number }
  | { type: 'committed'; events: RaisedEvent[] }
  | { type: 'rolledBack'; events: RaisedEvent[] }
  | { type: 'reply'; id: number; result?: unknown; error?: string };
