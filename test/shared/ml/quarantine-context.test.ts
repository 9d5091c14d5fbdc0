import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { FinetuneConfigSchema } from '../../../shared/ml/config';
import { createModel, disposeModel } from '../../../shared/ml/encoder';
import { finetunePlan, rowBatch } from '../../../shared/ml/finetune';
import { itemRow, MASK_ROW } from '../../../shared/ml/vocabulary';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { fineTuningData } from '../../../shared/valuation/quarantine';
import { TINY, tinySequences, tinyTable } from './tiny-data';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

const everyThird = (n: number) => Int32Array.from({ length: n }, (_, j) => j).filter((j) => j % 3 === 0);

/** The tiny train table (no queries) and a small causal model over its items. */
function causalSetup() {
  const train = tinyTable(tinySequences());
  train.query.fill(-1);
  const model = createModel(EncoderConfigSchema.parse({ dim: 8, layers: 1, heads: 1, maxLen: 20, causal: true }), { numItems: TINY.numItems, vocabSize: 0 }, 1);
  return { train, model };
}

describe('quarantined interactions (not training targets; context or dropped by valuation.quarantine)', () => {
  it('stay in the fine-tuning rows as inputs while only the selected set S is predicted', () => {
    const { train, model } = causalSetup();
    try {
      // S = every third interaction; the rest is quarantined
      const selected = everyThird(train.length);
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

  it("with quarantine 'drop' leave the fine-tuning rows entirely: every input and every target is a selected interaction, each selected one predicted once", () => {
    const { train, model } = causalSetup();
    try {
      const selected = everyThird(train.length);
      const weights = Float32Array.from(selected, (j) => 1 + j / train.length);
      const dropped = fineTuningData(train, { indices: selected, weights }, 'drop');
      expect(dropped.train.length).toBe(selected.length);
      // the same interactions, re-indexed: user, item, time and weight travel together
      dropped.examples.indices.forEach((k, e) => {
        const j = selected[e]!;
        expect([dropped.train.user[k], dropped.train.item[k], dropped.train.ts[k], dropped.examples.weights[e]]).toEqual([train.user[j], train.item[j], train.ts[j], weights[e]]);
      });
      const plan = finetunePlan({ numUsers: TINY.numUsers, numItems: TINY.numItems, ...dropped }, FinetuneConfigSchema.parse({}), 20);
      const batch = rowBatch(model, plan, Int32Array.from({ length: plan.rows.start.length }, (_, s) => s));
      expect(batch.targets.length).toBe(selected.length);
      const kept = new Set(Array.from(selected, (j) => `${train.user[j]}:${train.ts[j]}:${train.item[j]}`));
      for (let r = 0; r < plan.order.order.length; r++) {
        const k = plan.order.order[r]!;
        expect(kept.has(`${dropped.train.user[k]}:${dropped.train.ts[k]}:${dropped.train.item[k]}`)).toBe(true);
      }
      expect(fineTuningData(train, { indices: selected, weights }, 'context').train).toBe(train);
      expect(() => fineTuningData(train, { indices: Int32Array.from([train.length]), weights: new Float32Array(1) }, 'drop')).toThrow(/outside the \d+ train interactions/);
    } finally {
      disposeModel(model);
    }
  });
});
