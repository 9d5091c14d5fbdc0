// sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32 so
// nearby seeds give unrelated streams: the stream of valuation (bootstraps, folds, sampled
// negatives, the random baseline) and of the valuation benches' synthetic data.
import { Rng } from './rng';

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Sfc32 extends Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    super();
    if (!Number.isFinite(seed)) throw new Error(`Sfc32: seed must be a finite number, got ${seed}`);
    const seeder = splitmix32(seed);
    this.a = seeder();
    this.b = seeder();
    this.c = seeder();
    this.d = seeder();
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm-up, as sfc32's author recommends
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  fork(): Sfc32 {
    return new Sfc32(this.nextUint32());
  }
}
