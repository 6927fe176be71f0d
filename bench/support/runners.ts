import { BENCH_CONCURRENCY } from '../baselines/baseline.runner';
import { rawUndici } from '../baselines/raw-undici.baseline';
import { runClosedLoop } from './closed-loop';
import type { DispatchMode, Fleet } from './fleets';
import { makeEvents } from './payloads';
import type { Receiver } from './receiver.client';
import type { SliceRunner } from './slices';

/**
 * The raw baseline as a slice contender: an undici keep-alive pool POSTing the fixtures' bodies to
 * `/raw`, 64 in flight, each slice with fresh ids (so the receiver's duplicate count stays meaningful).
 */
export function rawRunner(receiver: Receiver, name = 'raw'): SliceRunner {
  const bodies = makeEvents(1000).map((event) => event.body);
  let slice = 0;
  return {
    name,
    run: (durationMs) =>
      rawUndici({
        url: receiver.url(`/raw/${name}`),
        bodies,
        concurrency: BENCH_CONCURRENCY,
        durationMs,
        warmupMs: 100,
        idPrefix: `${name}_${slice++}_`,
      }),
  };
}

/** A fleet as a slice contender: 64 events in flight, each raised and waited for until recorded. */
export function fleetRunner(name: string, fleet: Fleet, mode: DispatchMode): SliceRunner {
  let next = 0;
  const task = fleet.task(mode);
  return {
    name,
    run: (durationMs) =>
      runClosedLoop({
        concurrency: BENCH_CONCURRENCY,
        durationMs,
        // Event numbers go on across slices, so that each slice raises new events.
        task: () => task(next++),
      }),
  };
}
