import { seededRandom, pick } from './rng';

/** One event to deliver: its type and the exact JSON body every transport POSTs. */
export interface BenchEvent {
  type: string;
  /** The payload as the application holds it. */
  payload: Record<string, unknown>;
  /** `payload` serialized once: what the raw baselines POST. */
  body: string;
}

/** Event types of the throughput fixtures (`noun.verb`). */
export const BENCH_EVENT_TYPES: readonly string[] = ['contact', 'invoice', 'order', 'ticket'].flatMap((noun) =>
  ['create', 'update', 'delete'].map((verb) => `${noun}.${verb}`),
);

/**
 * `count` events with Standard Webhooks envelopes (`{ type, timestamp, data }`) of about 400 bytes, the
 * size of a typical resource-changed webhook. The same seed gives the same bodies.
 */
export function makeEvents(count: number, types: readonly string[] = BENCH_EVENT_TYPES, seed = 7): BenchEvent[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const type = pick(random, types);
    const payload = {
      type,
      timestamp: new Date(1_764_300_000_000 + i * 1000).toISOString(),
      data: {
        id: `res_${i.toString(36).padStart(8, '0')}`,
        name: `Resource ${i}`,
        email: `person${i}@example.com`,
        tags: ['alpha', 'beta', 'gamma'].slice(0, 1 + (i % 3)),
        amount: Math.round(random() * 1_000_000) / 100,
        address: { street: `${i} Main Street`, city: 'Springfield', postcode: String(10000 + (i % 89999)) },
        notes: 'x'.repeat(64 + Math.floor(random() * 64)),
      },
    };
    return { type, payload, body: JSON.stringify(payload) };
  });
}
