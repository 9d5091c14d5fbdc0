// The one interface of the project's seeded generators: every draw (floats, integers, coins,
// picks, shuffles, samples, normals) is made the same way from a stream of uniform 32-bit
// integers, and the two streams (./mulberry32.ts, ./sfc32.ts) differ in that stream alone.
// Math.random cannot be seeded, so any module that needs repeatable randomness takes an Rng
// built from an explicit seed. Why two streams: docs/decisions/0014-one-seeded-generator.md.

export abstract class Rng {
  /** Uniform integer in [0, 2^32). */
  abstract nextUint32(): number;

  /** An independent generator of the same stream, seeded from this one (for sub-streams that must not interleave). */
  abstract fork(): Rng;

  private spareNormal: number | undefined;

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`Rng.int: n must be positive, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    if (values.length === 0) throw new Error('Rng.pick: empty array');
    return values[this.int(values.length)] as T;
  }

  /** Index drawn with probability proportional to weights[i] (weights ≥ 0, not all zero). */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] as number;
    if (!(total > 0)) throw new Error('Rng.weighted: weights must have a positive sum');
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
    if (k > n) throw new Error(`Rng.sampleIndices: k=${k} exceeds n=${n}`);
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

  /** Standard normal (Box–Muller, two per pair of draws: the second is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const u = 1 - this.next(); // (0, 1] so log is finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
