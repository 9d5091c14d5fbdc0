import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { createModel, disposeModel } from '../../../shared/ml/encoder';
import { CrossFitStoppedError } from '../../../shared/valuation/cross-fit';
import { dealRecScore, dealRecValues, effortBeforeFinetuning, standardised } from '../../../shared/valuation/dealrec';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { finetune } from '../../../shared/ml/finetune';
import { walksWithNoise } from './walks';

const root = mkdtempSync(join(tmpdir(), 'assay-dealrec-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dealRecScore', () => {
  it('adds the standardised influence and the standardised effort times its weight', () => {
    expect(Array.from(standardised(Float64Array.from([1, 3])))).toEqual([-1, 1]);
    expect(Array.from(standardised(Float64Array.from([2, 2, 2])))).toEqual([0, 0, 0]);
    const influence = Float64Array.from([10, 20, 30]);
    const effort = Float64Array.from([3, 2, 1]);
    expect(Array.from(dealRecScore(influence, effort, 0))).toEqual(Array.from(standardised(influence)));
    // equal weight: influence rising and effort falling cancel
    dealRecScore(influence, effort, 1).forEach((v) => expect(v).toBeCloseTo(0, 12));
    expect(dealRecScore(influence, effort, 2)[0]).toBeGreaterThan(0);
  });
});

describe('dealRecValues', () => {
  const numItems = 24;
  const { train, noisy } = walksWithNoise(60, 12, numItems, 3);
  const data = { numUsers: 60, numItems, train };
  const finetuneConfig = { batchSize: 16, optimizer: { lr: 1e-2 } };

  it('ranks the random items below the walk\'s by their influence on the training loss, and stops when asked', async () => {
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    try {
      const influenceOnly = await dealRecValues(data, pretrained, finetuneConfig, { warmupEpochs: 4, influencePoints: 200, effortWeight: 0, seed: 2 }, { checkpointDir: join(root, 'influence') });
      expect(influenceOnly.every(Number.isFinite)).toBe(true);
      expect(noiseDetectionAuc(influenceOnly, noisy)).toBeGreaterThan(0.7);
      await expect(dealRecValues(data, pretrained, finetuneConfig, { warmupEpochs: 2, influencePoints: 200, effortWeight: 1, seed: 2 }, { checkpointDir: join(root, 'stop'), shouldStop: () => true })).rejects.toThrow(CrossFitStoppedError);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('takes the effort from the model fine-tuning starts from: the random items cost a model that knows the walks more', async () => {
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    try {
      const untrained = await effortBeforeFinetuning(pretrained, data, finetuneConfig);
      expect(untrained.every((e) => Number.isFinite(e) && e > 0)).toBe(true);
      // the effort is the gradient norm: high on the random items once the model has learned the walks
      const learned = await finetune(data, pretrained, { ...finetuneConfig, epochs: 4 }, { checkpointDir: join(root, 'learned') });
      try {
        const effort = await effortBeforeFinetuning(learned.model, data, finetuneConfig);
        expect(noiseDetectionAuc(effort.map((e) => -e), noisy)).toBeGreaterThan(0.8);
      } finally {
        disposeModel(learned.model);
      }
    } finally {
      disposeModel(pretrained);
    }
  });
});
