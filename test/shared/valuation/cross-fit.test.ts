import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { createModel, disposeModel } from '../../../shared/ml/encoder';
import { CrossFitStoppedError, crossFitValues, dealFolds } from '../../../shared/valuation/cross-fit';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { selectImportant } from '../../../shared/valuation/selection';
import { walksWithNoise } from './walks';
import { dynamicsValues, trainingDynamicsLogs, trainingDynamicsValues } from '../../../shared/valuation/training-dynamics';

const root = mkdtempSync(join(tmpdir(), 'assay-cross-fit-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));


describe('dealFolds', () => {
  it('puts every interaction in exactly one of K near-equal folds, the same for the same seed', () => {
    const folds = dealFolds(1003, 3, 5);
    const sizes = [0, 0, 0];
    for (const f of folds) sizes[f]!++;
    expect(sizes.every((s) => s === 334 || s === 335)).toBe(true);
    expect(Array.from(dealFolds(1003, 3, 5))).toEqual(Array.from(folds));
    expect(Array.from(dealFolds(1003, 3, 6))).not.toEqual(Array.from(folds));
  });
});

describe('crossFitValues', () => {
  it('gives no values when asked to stop: a fold scored by a half-trained warm-up would look valued', async () => {
    const numItems = 24;
    const { train } = walksWithNoise(10, 8, numItems, 5);
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    try {
      await expect(crossFitValues({ numUsers: 10, numItems, train }, pretrained, { batchSize: 8 }, { folds: 2, warmupEpochs: 2 }, { checkpointDir: join(root, 'stop'), shouldStop: () => true })).rejects.toThrow(CrossFitStoppedError);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('values interactions that break the users\' pattern below those that follow it, from models that never trained on them', async () => {
    const numItems = 24;
    const { train, noisy } = walksWithNoise(60, 12, numItems, 3);
    const encoder = EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 });
    const pretrained = createModel(encoder, { numItems, vocabSize: 0 }, 1);
    try {
      const values = await crossFitValues({ numUsers: 60, numItems, train }, pretrained, { batchSize: 16, optimizer: { lr: 1e-2 } }, { folds: 2, warmupEpochs: 6 }, { checkpointDir: root });
      expect(values.every(Number.isFinite)).toBe(true);
      expect(noiseDetectionAuc(values, noisy)).toBeGreaterThan(0.85);
      // scored against 16 of the 24 items: other values, the same finding
      const sampled = await crossFitValues({ numUsers: 60, numItems, train }, pretrained, { batchSize: 16, optimizer: { lr: 1e-2 } }, { folds: 2, warmupEpochs: 6, scoreItems: 16 }, { checkpointDir: join(root, 'sampled') });
      expect(sampled.every(Number.isFinite)).toBe(true);
      expect(Array.from(sampled)).not.toEqual(Array.from(values));
      expect(noiseDetectionAuc(sampled, noisy)).toBeGreaterThan(0.85);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('trains a later round\'s fold models only on the rows the round before kept, on the same folds', async () => {
    const numItems = 24;
    const { train, noisy } = walksWithNoise(40, 10, numItems, 6);
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    const finetune = { batchSize: 16, optimizer: { lr: 1e-2 } };
    const config = { folds: 2, warmupEpochs: 3, seed: 4 };
    try {
      const first = await crossFitValues({ numUsers: 40, numItems, train }, pretrained, finetune, config, { checkpointDir: join(root, 'r1') });
      const phases: string[] = [];
      const second = await crossFitValues({ numUsers: 40, numItems, train }, pretrained, finetune, { ...config, rounds: 2, refitKeep: 0.7 }, { checkpointDir: join(root, 'r2'), progress: (p) => phases.push(p) });
      const folds = dealFolds(train.length, 2, 4);
      const kept = selectImportant(first, { keep: 0.7, lambda: 0 }).important;
      const trainedOn = (f: number) => kept.filter((j) => folds[j] !== f).length;
      expect(phases.filter((p) => p.includes('warm-up'))).toEqual([
        `round 1/2, fold 1/2: warm-up fine-tune on ${folds.filter((f) => f !== 0).length} interactions`,
        `round 1/2, fold 2/2: warm-up fine-tune on ${folds.filter((f) => f !== 1).length} interactions`,
        `round 2/2, fold 1/2: warm-up fine-tune on ${trainedOn(0)} interactions`,
        `round 2/2, fold 2/2: warm-up fine-tune on ${trainedOn(1)} interactions`,
      ]);
      // the second round's values are its own models', and still find the broken pattern
      expect(Array.from(second)).not.toEqual(Array.from(first));
      expect(noiseDetectionAuc(second, noisy)).toBeGreaterThan(0.8);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('with both directions, values an item from the items after it too', async () => {
    const numItems = 24;
    const users = 100;
    const { train, noisy } = walksWithNoise(users, 8, numItems, 8, true);
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    const finetune = { batchSize: 16, optimizer: { lr: 1e-2 } };
    const config = { folds: 2, warmupEpochs: 6, seed: 2 };
    // the walks' first items: where all the noise is
    const first = Int32Array.from({ length: users }, (_, u) => u * 8);
    const aucAtFirst = (values: Float64Array) => noiseDetectionAuc(Float64Array.from(first, (j) => values[j]!), Uint8Array.from(first, (j) => noisy[j]!));
    try {
      const forward = await crossFitValues({ numUsers: users, numItems, train }, pretrained, finetune, config, { checkpointDir: join(root, 'forward') });
      const phases: string[] = [];
      const both = await crossFitValues({ numUsers: users, numItems, train }, pretrained, finetune, { ...config, directions: 'both' }, { checkpointDir: join(root, 'both'), progress: (p) => phases.push(p) });
      expect(phases.filter((p) => p.includes('warm-up')).map((p) => p.slice(0, p.indexOf(':')))).toEqual(['forward fold 1/2', 'forward fold 2/2', 'backward fold 1/2', 'backward fold 2/2']);
      expect(both.every(Number.isFinite)).toBe(true);
      expect(aucAtFirst(forward)).toBeLessThan(0.75);
      expect(aucAtFirst(both)).toBeGreaterThan(0.85);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('says which round left a fold without training rows, and that a larger refitKeep helps', async () => {
    const numItems = 24;
    // 20 rows: round 2 refits on the single top row, so the fold holding it has nothing outside to train on
    const { train } = walksWithNoise(4, 5, numItems, 2);
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    try {
      await expect(crossFitValues({ numUsers: 4, numItems, train }, pretrained, { batchSize: 8 }, { folds: 2, warmupEpochs: 1, rounds: 2, refitKeep: 0.05 }, { checkpointDir: join(root, 'empty') }))
        .rejects.toThrow(/round 2\/2, fold \d of 2 no trainable interaction outside it.*or a larger refitKeep/);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('never lets a fold model train on the fold it scores: fold 0 is valued the same when its interactions are not trainable at all', async () => {
    const numItems = 24;
    const { train } = walksWithNoise(20, 8, numItems, 4);
    const encoder = EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 });
    const pretrained = createModel(encoder, { numItems, vocabSize: 0 }, 1);
    const finetune = { batchSize: 16, optimizer: { lr: 1e-2 } };
    const config = { folds: 3, warmupEpochs: 3, seed: 0 };
    try {
      const folds = dealFolds(train.length, 3, 0);
      const trainable = Uint8Array.from(folds, (f) => (f === 0 ? 0 : 1));
      const withoutFold0 = await crossFitValues({ numUsers: 20, numItems, train, trainable }, pretrained, finetune, config, { checkpointDir: join(root, 'a') });
      const everything = await crossFitValues({ numUsers: 20, numItems, train }, pretrained, finetune, config, { checkpointDir: join(root, 'b') });
      let fold0 = 0;
      let otherDiffer = 0;
      for (let j = 0; j < train.length; j++) {
        if (folds[j] === 0) { fold0++; expect(withoutFold0[j]).toBe(everything[j]); } else if (withoutFold0[j] !== everything[j]) otherDiffer++;
      }
      expect(fold0).toBeGreaterThan(0);
      // the other folds' models did lose fold 0's interactions, so their values moved
      expect(otherDiffer).toBeGreaterThan(0);
    } finally {
      disposeModel(pretrained);
    }
  });
});

describe('trainingDynamicsValues', () => {
  it('values interactions that break the users\' pattern below those that follow it, from the losses and margins the warm-up logged on two threads', async () => {
    const numItems = 24;
    const { train, noisy } = walksWithNoise(60, 12, numItems, 3);
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    try {
      const data = { numUsers: 60, numItems, train };
      const logs = await trainingDynamicsLogs(data, pretrained, { batchSize: 16, optimizer: { lr: 1e-2 }, threads: 2 }, 4, { checkpointDir: join(root, 'dynamics') });
      // every interaction was a target in every epoch: a loss and a margin logged by one thread or the other
      expect(logs.loss.every(Number.isFinite) && logs.margin.every(Number.isFinite)).toBe(true);
      // a target that outranks every other item has at least the uniform share: loss ≤ log C
      logs.margin.forEach((m, k) => { if (m > 0) expect(logs.loss[k]!).toBeLessThanOrEqual(Math.log(numItems) + 1e-4); });
      const meanLoss = dynamicsValues(logs, 'mean-loss');
      expect(new Set(meanLoss).size).toBeGreaterThan(train.length / 2);
      expect(noiseDetectionAuc(meanLoss, noisy)).toBeGreaterThan(0.8);
      expect(noiseDetectionAuc(dynamicsValues(logs, 'margin'), noisy)).toBeGreaterThan(0.8);
      await expect(trainingDynamicsValues(data, pretrained, { batchSize: 16 }, 2, { checkpointDir: join(root, 'dynamics-stop'), shouldStop: () => true })).rejects.toThrow(CrossFitStoppedError);
    } finally {
      disposeModel(pretrained);
    }
  });

  it('reads the logs four ways: mean loss, mean margin, the loss\'s slope, forgetting events', () => {
    // 4 epochs × 3 interactions, [epoch·3 + j]
    const at = (perInteraction: number[][]) => Float32Array.from({ length: 12 }, (_, k) => perInteraction[k % 3]![Math.floor(k / 3)]!);
    const logs = {
      loss: at([[4, 3, 2, 1], [1, 1, 1, 1], [2, 2, Number.NaN, 3]]),
      margin: at([[-1, 1, -1, 1], [1, 1, 1, 1], [-2, -1, Number.NaN, -3]]),
      rank: at([[12, 3, 40, 9], [0, 2, 1, 0], [10, 11, Number.NaN, 500]]),
      epochs: 4,
      n: 3,
    };
    expect(Array.from(dynamicsValues(logs, 'mean-loss'))).toEqual([-2.5, -1, -7 / 3]);
    expect(Array.from(dynamicsValues(logs, 'margin'))).toEqual([0, 1, -2]);
    // minus the slope; interaction 2's over its three logged epochs, 2, 2, 3 at positions 0, 1, 2
    expect(Array.from(dynamicsValues(logs, 'loss-trend'))).toEqual([1, -0, -0.5]);
    // in the top 10, out, in: one event; always in: none; never in: as many as epochs
    expect(Array.from(dynamicsValues(logs, 'forgetting'))).toEqual([-1, -0, -4]);
  });

  it('averages the logged epochs of each interaction and gives one never logged the lowest value', () => {
    // 2 epochs × 3 interactions; interaction 2 never logged
    const logsOf = (values: number[], n: number) => { const log = Float32Array.from(values); return { loss: log, margin: log, rank: log, epochs: 2, n }; };
    expect(Array.from(dynamicsValues(logsOf([1, 4, Number.NaN, 3, Number.NaN, Number.NaN], 3), 'mean-loss'))).toEqual([-2, -4, -4]);
    expect(() => dynamicsValues(logsOf([Number.NaN, Number.NaN], 1), 'mean-loss')).toThrow(/no loss was logged/);
  });
});
