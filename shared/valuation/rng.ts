// Seeded pseudo-random numbers for valuation: bootstraps, negative sampling, the random
// baseline and synthetic data. sfc32 (Chris Doty-Humphrey's Small Fast Counting generator)
// seeded through splitmix32, so nearby seeds give unrelated streams; same seed, same values.
// Deliberately not shared/data/random.ts's Random: that is mulberry32, another algorithm with
// other values for the same seed (Random(1) starts 0.1657…, createRng(1) 0.4256…), so serving
// valuation from it would change every bootstrap, sample and valuation figure and digest.
// Within each module the stream is fixed; only the two must not be swapped for one another.

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** standard normal (Box–Muller) */
  normal(): number;
}

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

export function createRng(seed: number): Rng {
  const seeder = splitmix32(seed);
  let a = seeder();
  let b = seeder();
  let c = seeder();
  let d = seeder();
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextU32(); // warm-up, as sfc32's author recommends
  let spareNormal: number | undefined;
  const next = (): number => nextU32() / 4294967296;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spareNormal !== undefined) {
        const z = spareNormal;
        spareNormal = undefined;
        return z;
      }
      const u = 1 - next(); // (0, 1] so log is finite
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}
