import { Pool } from 'undici';
import type { Receiver } from '../support/receiver.client';
import { percentiles, type Percentiles } from '../support/stats';

/** What {@link arrivalFloor} measured. */
export interface ArrivalFloorResult {
  /** Send → the receiver having the request head, in ms, on this process's clock. */
  latencyMs: Percentiles;
  /** Requests whose arrival the receiver did not record (should be 0). */
  missing: number;
  clockOffsetMs: number;
  clockUncertaintyMs: number;
}

/**
 * The floor of scenario 4's latency, and a check of the receiver's arrival record: one request at a time
 * over a warm undici keep-alive connection, from just before the request is handed to undici to the
 * receiver's recorded arrival (converted to this process's clock). Nothing a sender does can beat it.
 */
export async function arrivalFloor(receiver: Receiver, count: number, body: string): Promise<ArrivalFloorResult> {
  await receiver.calibrate();
  const url = new URL(receiver.url('/floor'));
  const pool = new Pool(url.origin, { connections: 1 });
  const sentAt = new Map<string, number>();
  try {
    for (let i = 0; i < count + 50; i++) {
      const id = `floor_${i}`;
      const start = performance.timeOrigin + performance.now();
      const response = await pool.request({
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id },
        body,
      });
      await response.body.dump();
      // The first 50 warm the connection and the JIT.
      if (i >= 50) sentAt.set(id, start);
    }
  } finally {
    await pool.close();
  }
  const arrivals = await receiver.arrivals([...sentAt.keys()]);
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, start] of sentAt) {
    const at = arrivals.get(id);
    if (at == null) missing++;
    else latencies.push(at - start);
  }
  return {
    latencyMs: percentiles(latencies),
    missing,
    clockOffsetMs: receiver.clockOffsetMs,
    clockUncertaintyMs: receiver.clockUncertaintyMs,
  };
}
