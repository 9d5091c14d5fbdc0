import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { FinetuneConfigSchema } from '../../../shared/ml/config';
import { createModel, disposeModel } from '../../../shared/ml/encoder';
import { finetunePlan, rowBatch } from '../../../shared/ml/finetune';
import { itemRow, MASK_ROW } from '../../../shared/ml/vocabulary';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { TINY, tinySequences, tinyTable } from './tiny-data';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('quarantined interactions (docs/architecture.md §1 step 3: not training targets, still context)', () => {
  it('stay in the fine-tuning rows as inputs while only the selected set S is predicted', () => {
    const seqs = tinySequences();
    const train = tinyTable(seqs);
    train.query.fill(-1);
    const model = createModel(EncoderConfigSchema.parse({ dim: 8, layers: 1, heads: 1, maxLen: 20, causal: true }), { numItems: TINY.numItems, vocabSize: 0 }, 1);
    try {
      // S = every third interaction; the rest is quarantined
      const selected = Int32Array.from({ length: train.length }, (_, j) => j).filter((j) => j % 3 === 0);
      const plan = finetunePlan({ numUsers: TINY.numUsers, numItems: TINY.numItems, train, examples: { indices: selected, weights: new Float32Array(selected.length).fill(1) } }, FinetuneConfigSchema.parse({}), 20);
      const batch = rowBatch(model, plan, Int32Array.from({ length: plan.rows.start.length }, (_, s) => s));
      const predicted = new Set(Array.from(batch.ranks, (r) => plan.order.order[r]!));
      expect([...predicted].sort((a, b) => a - b)).toEqual(Array.from(selected));
      // every row's inputs are all of its interactions in time order, quarantined or not
      // (the newest only predicted): [MASK, x_start … x_end-2]
      let quarantinedInputs = 0;
      for (let s = 0; s < plan.rows.start.length; s++) {
        const row = Array.from(batch.ids.subarray(s * batch.len, (s + 1) * batch.len)).slice(batch.len - plan.rowSymbols[s]!);
        const expected = [MASK_ROW];
        for (let r = plan.rows.start[s]!; r < plan.rows.end[s]! - 1; r++) {
          expected.push(itemRow(plan.order.items[r]!));
          if (plan.order.order[r]! % 3 !== 0) quarantinedInputs++;
        }
        expect(row).toEqual(expected);
      }
      expect(quarantinedInputs).toBeGreaterThan(50);
    } finally {
      disposeModel(model);
    }
  });
});
