// mulberry32 (Tommy Ettinger, 2017): a 32-bit state generator, period 2^32, good enough for
// data generation, sampling and training draws and tiny enough to audit (and to port: the SIMD
// kernels draw dropout from the same stream, shared/ml/wasm/lib/mulberry32.as.ts). Seeds are
// hashed through splitmix-style mixing so that nearby seeds (1, 2, 3) give unrelated streams.
import { Rng } from './rng';

/** The project's default stream: data, splits, sampling, training and search. */
export class Random extends Rng {
  private state: number;

  constructor(seed: number) {
    super();
    if (!Number.isFinite(seed)) throw new Error(`Random: seed must be a finite number, got ${seed}`);
    this.state = mixSeed(Math.trunc(seed));
  }

  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

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
