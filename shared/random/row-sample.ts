import { Sfc32 } from './sfc32';

/**
 * `count` of the row indices 0..n-1, drawn without repeats from the valuation stream seeded with
 * `seed`, in increasing order (all of them when count ≥ n): the validation rows a valuation reads,
 * the training rows an influence sums over, the quarantined rows the run report scores.
 */
export function seededRowSample(n: number, count: number, seed: number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return new Sfc32(seed).sampleIndices(n, count).sort();
}
