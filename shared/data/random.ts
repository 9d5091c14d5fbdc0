// Seeded pseudo-random numbers for everything that must replay bit for bit (synthetic data,
// sampling, shuffles). Math.random cannot be seeded, so any module that needs repeatable
// randomness takes a `Random` built from an explicit seed.
// Valuation keeps its own generator (shared/valuation/rng.ts, sfc32): a different algorithm
// with different values for the same seed, so neither can stand in for the other without
// changing the weights, data and valuations each one's seeds reproduce.

/**
 * mulberry32 (Tommy Ettinger, 2017): a 32-bit state generator, period 2^32, good enough
 * for data generation and sampling and tiny enough to audit. Seeds are hashed through
 * splitmix-style mixing so that nearby seeds (1, 2, 3) give unrelated streams.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random: seed must be a finite number, got ${seed}`);
    this.state = mixSeed(Math.trunc(seed));
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`Random.int: n must be positive, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    if (values.length === 0) throw new Error('Random.pick: empty array');
    return values[this.int(values.length)] as T;
  }

  /** Index drawn with probability proportional to weights[i] (weights ≥ 0, not all zero). */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] as number;
    if (!(total > 0)) throw new Error('Random.weighted: weights must have a positive sum');
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }

  /** k distinct indices from [0, n), in draw order (k ≤ n). */
  sampleIndices(n: number, k: number): Int32Array {
    if (k > n) throw new Error(`Random.sampleIndices: k=${k} exceeds n=${n}`);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const tmp = pool[i] as number;
      pool[i] = pool[j] as number;
      pool[j] = tmp;
    }
    return pool.slice(0, k);
  }

  /** An independent generator derived from this one (for sub-streams that must not interleave). */
  fork(): Random {
    return new Random(this.nextUint32());
  }
}

/** The state a Random(seed) starts in: what ports of its stream (the SIMD kernels) begin from. */
export function mixSeed(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
