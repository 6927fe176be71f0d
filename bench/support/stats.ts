/** Percentiles of a set of samples (nearest rank), all in the samples' unit. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentiles. Sorts `samples` in place (a typed array sorts numerically), so pass a copy
 * if the order matters.
 */
export function percentiles(samples: Float64Array | number[]): Percentiles {
  const sorted = samples instanceof Float64Array ? samples.sort() : Float64Array.from(samples).sort();
  const count = sorted.length;
  if (count === 0) return { count, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const rank = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))];
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i];
  return { count, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[count - 1], mean: sum / count };
}

/** A growable buffer of numbers without the boxing of a plain array. */
export class SampleBuffer {
  private data: Float64Array;
  private length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get size(): number {
    return this.length;
  }

  /** A copy of the samples so far. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Milliseconds elapsed since a `process.hrtime.bigint()` reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
