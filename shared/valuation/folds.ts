// The deal of n examples into K folds that cross-fitting shares (cross-fit.ts for interactions,
// shared/search/search-valuation.ts for search clicks), apart from any training code so a caller
// can deal folds without loading TensorFlow.js.
import { Sfc32 } from '../random';

/** fold[j] ∈ [0, K): a seeded deal of the n examples, each fold within one of n/K. */
export function dealFolds(n: number, folds: number, seed: number): Uint8Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Sfc32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!; order[i] = order[j]!; order[j] = t;
  }
  const fold = new Uint8Array(n);
  for (let p = 0; p < n; p++) fold[order[p]!] = p % folds;
  return fold;
}
