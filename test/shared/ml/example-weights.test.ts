// finetune.exampleWeight: the column weight of each train row (log1p, scaled to mean 1 over the
// rows that give one, capped), multiplied into the valuation weights, and the weight each
// target then carries in the fine-tuning loss.
import { describe, expect, it } from 'vitest';
import type { InteractionTable } from '../../../shared/data/types';
import { FinetuneConfigSchema } from '../../../shared/ml/config';
import { columnWeights, MAX_EXAMPLE_WEIGHT, weighExamples } from '../../../shared/ml/example-weights';
import { finetunePlan } from '../../../shared/ml/finetune';
import { FinetuneSpecSchema } from '../../../shared/pipeline/spec';
import { TINY, tinySequences, tinyTable } from './tiny-data';

function withQuantity(quantity: readonly number[]): InteractionTable {
  const table = tinyTable(tinySequences());
  const q = new Float32Array(table.length).fill(Number.NaN);
  q.set(quantity);
  return { ...table, quantity: q };
}

describe('example weights from a magnitude column', () => {
  it('is log1p(x) over its mean across the rows that give one, 1 where a row gives none, 0 for x = 0, capped', () => {
    const quantity = [1, 3, 0, 7];
    const table = withQuantity(quantity);
    const w = columnWeights(table, 'quantity');
    const mean = (Math.log1p(1) + Math.log1p(3) + Math.log1p(0) + Math.log1p(7)) / 4;
    quantity.forEach((x, i) => expect(w[i]).toBeCloseTo(Math.log1p(x) / mean, 6));
    expect(w[2]).toBe(0);
    for (let i = quantity.length; i < table.length; i++) expect(w[i]).toBe(1);

    const extreme = columnWeights(withQuantity([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1e30]), 'quantity');
    expect(extreme[14]).toBe(MAX_EXAMPLE_WEIGHT);
  });

  it('weighs every row alike when all magnitudes are 0, and names a missing column', () => {
    expect(Array.from(columnWeights(withQuantity([0, 0, 0]), 'quantity')).every((w) => w === 1)).toBe(true);
    expect(() => columnWeights(withQuantity([1]), 'value')).toThrow(/exampleWeight is 'value' but the events have no value column/);
  });

  it('multiplies the valuation weights of the selected rows; without a selection every row carries its column weight', () => {
    const rowWeights = Float32Array.from([0.5, 2, 1, 4]);
    const valued = weighExamples({ indices: Int32Array.from([3, 1, 1]), weights: Float32Array.from([1.5, 1, 2]) }, rowWeights);
    expect(Array.from(valued.indices)).toEqual([3, 1, 1]);
    expect(Array.from(valued.weights)).toEqual([6, 2, 4]);
    const control = weighExamples(undefined, rowWeights);
    expect(Array.from(control.indices)).toEqual([0, 1, 2, 3]);
    expect(Array.from(control.weights)).toEqual([0.5, 2, 1, 4]);
  });

  it('is the weight each target carries in the fine-tuning loss', () => {
    const table = withQuantity([1, 3, 0, 7, 2, 2]);
    const examples = weighExamples({ indices: Int32Array.from({ length: table.length }, (_, i) => i), weights: new Float32Array(table.length).fill(1.5) }, columnWeights(table, 'quantity'));
    const plan = finetunePlan({ numUsers: TINY.numUsers, numItems: TINY.numItems, train: table, examples }, FinetuneConfigSchema.parse({}), 12);
    const rowWeights = columnWeights(table, 'quantity');
    for (let j = 0; j < table.length; j++) expect(plan.weightByRank[plan.order.rank[j]!]).toBeCloseTo(1.5 * rowWeights[j]!, 6);
    expect(plan.weightByRank[plan.order.rank[2]!]).toBe(0);
  });

  it('is chosen in the spec by column name; absent means none', () => {
    expect(FinetuneSpecSchema.parse({}).exampleWeight).toBeUndefined();
    expect(FinetuneSpecSchema.parse({ exampleWeight: 'value' }).exampleWeight).toBe('value');
    expect(FinetuneSpecSchema.safeParse({ exampleWeight: 'price' }).success).toBe(false);
  });
});
