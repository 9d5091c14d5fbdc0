// Implicit feedback has no negatives: every observed interaction is a positive. To value it
// as a classification task, each interaction becomes a labelled (context, candidate) pair —
// the observed item as positive (label 1) plus `negatives` items sampled uniformly from the
// catalogue (label 0) — valued with any method, and the interaction takes its positive
// pair's value (the sampled negatives are not observed data; their values are discarded).
// The noise this targets is a spurious interaction: a click on an item unrelated to the
// user's interests, whose positive pair looks like the sampled negatives.
//
// Pair embedding: the ELEMENTWISE PRODUCT context ⊙ item, not the concatenation. Whether a
// pair is positive depends on how context and item agree; in product space that agreement is
// a coordinate-wise signal (its sum is the two-tower dot-product score), so neighbours
// (KNN-Shapley) and linear probes (Data-OOB, TracIn, loss) can see it. Under concatenation a
// pair's distance to others is dominated by which context and which item it holds, and a
// linear probe scores w₁·c + w₂·i, which cannot express the match at all. Concatenation is
// kept as an option for encoders whose context and item spaces differ in size.
import { z } from 'zod';
import type { Matrix } from '../data/types';
import { ValuationInputError } from './errors';
import { parseConfig, type LabelledEmbeddings } from './input';
import { Sfc32 } from '../random';

export const ImplicitConfigSchema = z.object({
  negatives: z.number().int().min(1).max(1000).default(4),
  pairEmbedding: z.enum(['product', 'concat']).default('product'),
  seed: z.number().int().default(0),
});
export type ImplicitConfig = z.input<typeof ImplicitConfigSchema>;

/** Interactions of one split: the context embedding before each interaction and its item. */
export interface ImplicitInteractions {
  /** one row per interaction (e.g. the user's sequence encoding just before it) */
  readonly context: Matrix;
  /** observed item per interaction, dense index into the item embedding rows */
  readonly items: Int32Array;
}

export interface LabelledPairs extends LabelledEmbeddings {
  /** interaction each pair was built from */
  readonly interactionOf: Int32Array;
}

function checkInteractions(x: ImplicitInteractions, name: string, itemEmb: Matrix, pairEmbedding: 'product' | 'concat'): void {
  if (x.items.length !== x.context.rows) {
    throw new ValuationInputError(`${name}.items`, `has ${x.items.length} items for ${x.context.rows} context rows`, 'Pass one observed item per interaction.');
  }
  for (let i = 0; i < x.items.length; i++) {
    if (x.items[i]! < 0 || x.items[i]! >= itemEmb.rows) {
      throw new ValuationInputError(`${name}.items[${i}]`, `is ${x.items[i]}, outside 0..${itemEmb.rows - 1}`, 'Item indices must address rows of itemEmb.');
    }
  }
  if (pairEmbedding === 'product' && x.context.cols !== itemEmb.cols) {
    throw new ValuationInputError(
      `${name}.context.cols`,
      `is ${x.context.cols} but itemEmb.cols is ${itemEmb.cols}; the elementwise product needs equal sizes`,
      "Use pairEmbedding 'concat' or embeddings of the same width.",
    );
  }
}

/** Positive pair for every interaction, then its sampled negatives (items ≠ the observed one). */
export function buildPairs(x: ImplicitInteractions, itemEmb: Matrix, config: z.infer<typeof ImplicitConfigSchema>, seed: number): LabelledPairs {
  const { negatives, pairEmbedding } = config;
  const n = x.items.length;
  const perInteraction = negatives + 1;
  const rows = n * perInteraction;
  const cc = x.context.cols;
  const ic = itemEmb.cols;
  const cols = pairEmbedding === 'product' ? cc : cc + ic;
  const data = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  const interactionOf = new Int32Array(rows);
  const rng = new Sfc32(seed);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < perInteraction; p++) {
      const row = i * perInteraction + p;
      let item = x.items[i]!;
      if (p > 0) {
        do item = rng.int(itemEmb.rows);
        while (item === x.items[i]);
      }
      labels[row] = p === 0 ? 1 : 0;
      interactionOf[row] = i;
      const o = row * cols;
      if (pairEmbedding === 'product') {
        for (let c = 0; c < cc; c++) data[o + c] = x.context.data[i * cc + c]! * itemEmb.data[item * ic + c]!;
      } else {
        data.set(x.context.data.subarray(i * cc, (i + 1) * cc), o);
        data.set(itemEmb.data.subarray(item * ic, (item + 1) * ic), o + cc);
      }
    }
  }
  return { emb: { rows, cols, data }, labels, interactionOf };
}

export type PairValuer = (train: LabelledEmbeddings, valid: LabelledEmbeddings) => Promise<Float64Array>;

/** One value per training interaction: the value of its positive (context, observed item) pair. */
export async function valueImplicitFeedback(
  train: ImplicitInteractions,
  valid: ImplicitInteractions,
  itemEmb: Matrix,
  valuer: PairValuer,
  config: ImplicitConfig = {},
): Promise<Float64Array> {
  const parsed = parseConfig(ImplicitConfigSchema, config);
  if (itemEmb.rows < 2) {
    throw new ValuationInputError('itemEmb.rows', `is ${itemEmb.rows}`, 'Negative sampling needs at least two items in the catalogue.');
  }
  checkInteractions(train, 'train', itemEmb, parsed.pairEmbedding);
  checkInteractions(valid, 'valid', itemEmb, parsed.pairEmbedding);
  // separate streams so the validation pairs do not change when the training split does
  const trainPairs = buildPairs(train, itemEmb, parsed, parsed.seed * 2 + 1);
  const validPairs = buildPairs(valid, itemEmb, parsed, parsed.seed * 2 + 2);
  const pairValues = await valuer(trainPairs, validPairs);
  const perInteraction = parsed.negatives + 1;
  return Float64Array.from({ length: train.items.length }, (_, i) => pairValues[i * perInteraction]!);
}
