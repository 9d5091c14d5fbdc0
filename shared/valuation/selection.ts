// From values to what fine-tuning uses (docs/architecture.md §1 steps 3–4):
// - v̂ ∈ [0,1] by RANK normalization, v̂_i = (rank_i − 1)/(N − 1) with average ranks for ties.
//   Rank, not min-max: KNN-Shapley and TracIn values are heavy-tailed, and min-max would
//   squeeze almost every example next to one value, making λ·α·v̂ a near-constant weight;
//   ranks also make v̂ comparable across methods whose scales differ by orders of magnitude.
// - the important set S: examples with v̂ ≥ threshold, or the top ⌈keep·N⌉ by value (ties
//   broken by lower index);
// - weights w_i = 1 + λ·α·v̂_i, and the quarantine set (everything not in S), kept for step 5.
import { z } from 'zod';
import { ValuationInputError } from './errors';
import { parseConfig } from './input';
import { averageRanks } from './ranks';

export const SelectionConfigSchema = z
  .object({
    /** fraction of examples to keep, highest values first; 1 keeps everything */
    keep: z.number().gt(0, 'keep must be in (0, 1]').lte(1, 'keep must be in (0, 1]').optional(),
    /** keep examples whose normalized value v̂ is at least this */
    threshold: z.number().min(0).max(1).optional(),
    lambda: z.number().min(0).default(1),
    alpha: z.number().min(0).default(1),
  })
  .refine((c) => c.keep === undefined || c.threshold === undefined, { message: 'set keep or threshold, not both', path: ['keep'] });
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

export function selectImportant(values: Float64Array, config: SelectionConfig = {}): Selection {
  const { keep, threshold, lambda, alpha } = parseConfig(SelectionConfigSchema, config);
  const n = values.length;
  if (n === 0) throw new ValuationInputError('values', 'is empty', 'Value at least one training example before selecting.');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) throw new ValuationInputError(`values[${i}]`, `is ${values[i]}`, 'Values must be finite; check the valuation step output.');
  }
  const normalized = rankNormalize(values);
  const inS = new Uint8Array(n);
  if (threshold !== undefined) {
    for (let i = 0; i < n; i++) if (normalized[i]! >= threshold) inS[i] = 1;
  } else {
    const count = Math.ceil((keep ?? 1) * n - 1e-9);
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
