// Example weights from a magnitude column of the events (quantity or value,
// finetune.exampleWeight). The weight of a train interaction with magnitude x is
//   w(x) = min(MAX_EXAMPLE_WEIGHT, log1p(x) / mean log1p over the train rows that have one)
// and 1 on rows without one. Why this shape:
//  - log1p: magnitudes are heavy-tailed (a 24-pack line, a €900 basket); linear weights let
//    a few lines dominate the loss, log1p orders them the same way with a damped spread;
//  - divided by the mean: the average weighted row counts 1, so the loss keeps the scale
//    the learning rate was tuned for, and a row without the column is an average row;
//  - capped: one extreme line cannot take over a batch's gradient.
// A magnitude of 0 gives weight 0 (the line is still context for later targets).
// These weights multiply the valuation weights (1 + λ·α·v̂): one per-example weight enters
// the loss, FinetuneExamples.weights.
import type { InteractionTable, WeightColumn } from '../data/types';
import type { FinetuneExamples } from './finetune';

export const MAX_EXAMPLE_WEIGHT = 10;

/** The weight of each row of `table` from its `column`, as above. */
export function columnWeights(table: InteractionTable, column: WeightColumn): Float32Array {
  const values = table[column];
  if (!values) throw new Error(`finetune.exampleWeight is '${column}' but the events have no ${column} column; add it to the events file (docs/data-format.md) or leave exampleWeight out`);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    sum += Math.log1p(v);
    count++;
  }
  const mean = count > 0 ? sum / count : 0;
  const out = new Float32Array(table.length).fill(1);
  // every given magnitude is 0 (or none is given): no row is above another, weigh all alike
  if (!(mean > 0)) return out;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[i] = Math.min(MAX_EXAMPLE_WEIGHT, Math.log1p(v) / mean);
  }
  return out;
}

/**
 * The fine-tuning examples with each weight multiplied by its row's column weight; without
 * `examples`, every train row with its column weight (the control's λ = 0 selection).
 */
export function weighExamples(examples: FinetuneExamples | undefined, rowWeights: Float32Array): FinetuneExamples {
  if (!examples) return { indices: Int32Array.from({ length: rowWeights.length }, (_, i) => i), weights: rowWeights.slice() };
  const weights = new Float32Array(examples.weights.length);
  for (let k = 0; k < weights.length; k++) {
    const row = examples.indices[k]!;
    if (!(row >= 0 && row < rowWeights.length)) throw new RangeError(`weighExamples: example ${k} is train row ${row}, outside the ${rowWeights.length} rows`);
    weights[k] = examples.weights[k]! * rowWeights[row]!;
  }
  return { indices: examples.indices, weights };
}
