/** A request from the benchmark process to the receiver child, over IPC. */
export type ReceiverRequest =
  | { id: number; op: 'stats' }
  | { id: number; op: 'reset' }
  | { id: number; op: 'now' }
  /** Answers every request held under `/hold` (and stops holding until the next reset). */
  | { id: number; op: 'release' }
  /** Arrival times of these `webhook-id`s (or of all recorded ones when `ids` is absent). */
  | { id: number; op: 'arrivals'; ids?: string[] };

/** The receiver's counters since its start or last reset. */
export interface ReceiverStats {
  /** Requests received (any method, any path). */
  requests: number;
  /** TCP connections accepted (tells keep-alive reuse from one connection per request). */
  connections: number;
  /** Distinct `webhook-id`s whose arrival was recorded. */
  recorded: number;
  /** Requests carrying a `webhook-id` already recorded (a retry or a duplicate delivery). */
  duplicates: number;
  /** `webhook-id`s not recorded because the record was full. */
  dropped: number;
  /** Requests by the first segment of their path (`/raw/...` counts under `raw`). */
  byPath: Record<string, number>;
  /** Requests under `/hold` waiting, unanswered, for a `release`. */
  held: number;
}

/** The receiver's answer to a {@link ReceiverRequest} with the same `id`. */
export type ReceiverResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Sent once by the receiver when it listens. */
export interface ReceiverReady {
  op: 'ready';
  port: number;
}
