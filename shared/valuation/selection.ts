// From values to what fine-tuning uses (docs/architecture.md §1 steps 3–4):
// - v̂ ∈ [0,1] by RANK normalization, v̂_i = (rank_i − 1)/(N − 1) with average ranks for ties.
//   Rank, not min-max: KNN-Shapley and TracIn values are heavy-tailed, and min-max would
//   squeeze almost every example next to one value, making λ·α·v̂ a near-constant weight;
//   ranks also make v̂ comparable across methods whose scales differ by orders of magnitude.
// - the important set S: examples with v̂ ≥ threshold, or the top ⌈keep·N⌉ by value (ties
//   broken by lower index), or — with `strata` — ⌈keep·N⌉ drawn evenly across equal-width bands
//   of value (coverage-enhanced selection: Zheng et al., ICLR 2023, as DEALRec, SIGIR 2024,
//   selects; decision 0022): every band of the value range is represented, the rarest first;
// - weights w_i = 1 + λ·α·v̂_i, and the quarantine set (everything not in S), kept for step 5.
import { z } from 'zod';
import { ValuationInputError } from './errors';
import { parseConfig } from './input';
import { averageRanks } from './ranks';
import { Sfc32 } from '../random';

export const SelectionConfigSchema = z
  .object({
    /** fraction of examples to keep, highest values first; 1 keeps everything */
    keep: z.number().gt(0, 'keep must be in (0, 1]').lte(1, 'keep must be in (0, 1]').optional(),
    /** keep examples whose normalized value v̂ is at least this */
    threshold: z.number().min(0).max(1).optional(),
    lambda: z.number().min(0).default(1),
    alpha: z.number().min(0).default(1),
    /** draw the keep share evenly across this many equal-width value bands instead of taking the top */
    strata: z.number().int().min(2).optional(),
    /** the seed of the draws within each band */
    seed: z.number().int().default(0),
  })
  .refine((c) => c.keep === undefined || c.threshold === undefined, { message: 'set keep or threshold, not both', path: ['keep'] })
  .refine((c) => c.strata === undefined || c.threshold === undefined, { message: 'strata draws the keep share across value bands; set keep, not threshold', path: ['strata'] });
export type SelectionConfig = z.input<typeof SelectionConfigSchema>;

export interface Selection {
  /** v̂ ∈ [0,1] per example (rank-normalized) */
  readonly normalized: Float64Array;
  /** 1 + λ·α·v̂ per example (index by `important` for the fine-tune's objective) */
  readonly weights: Float64Array;
  /** indices of S, ascending */
  readonly important: Int32Array;
  /** indices not in S, ascending */
  readonly quarantine: Int32Array;
}

export function rankNormalize(values: Float64Array): Float64Array {
  const n = values.length;
  if (n === 1) return new Float64Array([1]);
  const ranks = averageRanks(values);
  return ranks.map((r) => (r - 1) / (n - 1));
}

/** ⌈keep·n⌉, all of them when keep is unset. */
export const keptCount = (keep: number | undefined, n: number) => Math.ceil((keep ?? 1) * n - 1e-9);

export function selectImportant(values: Float64Array, config: SelectionConfig = {}): Selection {
  const { keep, threshold, lambda, alpha, strata, seed } = parseConfig(SelectionConfigSchema, config);
  const n = values.length;
  if (n === 0) throw new ValuationInputError('values', 'is empty', 'Value at least one training example before selecting.');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) throw new ValuationInputError(`values[${i}]`, `is ${values[i]}`, 'Values must be finite; check the valuation step output.');
  }
  const normalized = rankNormalize(values);
  const inS = new Uint8Array(n);
  if (threshold !== undefined) {
    for (let i = 0; i < n; i++) if (normalized[i]! >= threshold) inS[i] = 1;
  } else if (strata !== undefined) {
    coverageSample(values, keptCount(keep, n), strata, seed).forEach((i) => { inS[i] = 1; });
  } else {
    const count = keptCount(keep, n);
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
    for (let p = 0; p < count; p++) inS[order[p]!] = 1;
  }
  const important: number[] = [];
  const quarantine: number[] = [];
  for (let i = 0; i < n; i++) (inS[i] ? important : quarantine).push(i);
  return {
    normalized,
    weights: normalized.map((v) => 1 + lambda * alpha * v),
    important: Int32Array.from(important),
    quarantine: Int32Array.from(quarantine),
  };
}

/**
 * `count` indices drawn across `strata` equal-width bands of the value range: the bands in
 * increasing size, each giving min(its size, an even share of what is left of the budget) at
 * random, so a band too small for its share leaves the rest to the larger ones.
 */
export function coverageSample(values: Float64Array, count: number, strata: number, seed: number): Int32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const width = (hi - lo) / strata;
  const bands: number[][] = Array.from({ length: strata }, () => []);
  values.forEach((v, i) => bands[width > 0 ? Math.min(strata - 1, Math.floor((v - lo) / width)) : 0]!.push(i));
  const filled = bands.filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
  const rng = new Sfc32(seed);
  const picked: number[] = [];
  let budget = count;
  filled.forEach((band, k) => {
    const take = Math.min(band.length, Math.floor(budget / (filled.length - k)));
    for (const r of rng.sampleIndices(band.length, take)) picked.push(band[r]!);
    budget -= take;
  });
  return Int32Array.from(picked).sort();
}
