// Sequences with planted noise for the valuation tests: users walk the catalogue, some steps replaced.
import type { InteractionTable } from '../../../shared/data/types';
import { Random } from '../../../shared/random';

/**
 * Users walk the catalogue in steps of one (item i is followed by i+1); a tenth of the steps are
 * replaced by random items, or with `firstOnly` four in ten of the walks' first items, which
 * nothing before them can tell from a clean start.
 */
export function walksWithNoise(users: number, length: number, numItems: number, seed: number, firstOnly = false): { train: InteractionTable; noisy: Uint8Array } {
  const rng = new Random(seed);
  const n = users * length;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const ts = new Float64Array(n);
  const noisy = new Uint8Array(n);
  for (let u = 0; u < users; u++) {
    const start = rng.int(numItems);
    for (let k = 0; k < length; k++) {
      const j = u * length + k;
      user[j] = u;
      ts[j] = k;
      item[j] = (start + k) % numItems;
      if (firstOnly ? k === 0 && rng.next() < 0.4 : k > 0 && rng.next() < 0.1) {
        noisy[j] = 1;
        item[j] = (item[j]! + 3 + rng.int(numItems - 6)) % numItems;
      }
    }
  }
  const train: InteractionTable = { length: n, user, item, ts, type: new Uint8Array(n), session: new Int32Array(n).fill(-1), relevance: new Float32Array(n).fill(1), query: new Int32Array(n).fill(-1) };
  return { train, noisy };
}
