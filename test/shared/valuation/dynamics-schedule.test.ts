import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { loadCheckpoint } from '../../../shared/ml/checkpoint';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { createModel, disposeModel } from '../../../shared/ml/encoder';
import type { CheckpointMeta } from '../../../shared/ml/training-loop';
import { CrossFitStoppedError } from '../../../shared/valuation/cross-fit';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { removedAfter, scheduledDynamicsValues, type ScheduleSettings } from '../../../shared/valuation/dynamics-schedule';
import { keptCount, selectImportant } from '../../../shared/valuation/selection';
import { walksWithNoise } from './walks';

const root = mkdtempSync(join(tmpdir(), 'assay-schedule-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('removedAfter', () => {
  it('spreads the quarantine share evenly over the refreshes and ends at exactly what keep leaves out', () => {
    expect([-1, 0, 1].map((r) => removedAfter(r, 2, 100, 0.9))).toEqual([0, 5, 10]);
    expect([0, 1, 2].map((r) => removedAfter(r, 3, 1000, 0.8))).toEqual([67, 133, 200]);
    expect(removedAfter(0, 1, 7, 0.5)).toBe(7 - keptCount(0.5, 7));
  });
});

describe('scheduledDynamicsValues', () => {
  const numItems = 24;
  const users = 60;
  const { train, noisy } = walksWithNoise(users, 12, numItems, 3);
  const n = train.length;
  const config = { batchSize: 16, optimizer: { lr: 1e-2 }, threads: 2 };
  const settings = (over: Partial<ScheduleSettings> = {}): ScheduleSettings => ({ refreshes: 2, warmupEpochs: 2, keep: 0.8, quarantine: 'drop', score: 'mean-loss', ...over });
  const pretrainedModel = () => createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);

  for (const quarantine of ['drop', 'context'] as const) {
    it(`moves the least plausible out after each segment, trains the next without them as targets ('${quarantine}'), and values so that the top keep is what stayed`, async () => {
      const pretrained = pretrainedModel();
      try {
        const s = settings({ quarantine });
        const scheduled = await scheduledDynamicsValues({ numUsers: users, numItems, train }, pretrained, config, s, { checkpointDir: join(root, quarantine) });
        const { values, logs } = scheduled;
        const band = (j: number) => Math.floor(values[j]!);
        const inBand = (b: number) => Array.from(values.keys()).filter((j) => band(j) === b);
        expect(inBand(0).length).toBe(removedAfter(0, 2, n, 0.8));
        expect(inBand(1).length).toBe(removedAfter(1, 2, n, 0.8) - removedAfter(0, 2, n, 0.8));
        expect(inBand(2).length).toBe(keptCount(0.8, n));
        // logged as targets in every epoch up to the refresh that moved them out, never after
        const logged = (j: number, e: number) => Number.isFinite(logs.loss[e * n + j]!);
        for (let j = 0; j < n; j++) {
          const epochsIn = Math.min(band(j) + 1, 2) * 2;
          for (let e = 0; e < 4; e++) expect(logged(j, e)).toBe(e < epochsIn);
        }
        // the selection the fine-tune is handed is exactly the rows that stayed
        expect(Array.from(selectImportant(values, { keep: 0.8, lambda: 0 }).important)).toEqual(inBand(2));
        expect(noiseDetectionAuc(values, noisy)).toBeGreaterThan(0.8);
        // the model the valued fine-tune continues: the second segment's, after its own epochs
        const { meta } = await loadCheckpoint<CheckpointMeta>(scheduled.checkpointDir);
        expect(meta.kind).toBe('finetune');
        expect(meta.epochsDone).toBe(2);
        disposeModel(scheduled.model);
      } finally {
        disposeModel(pretrained);
      }
    });
  }

  it('gives no values when asked to stop: a segment cut short would move rows out on a half-read', async () => {
    const pretrained = pretrainedModel();
    try {
      await expect(scheduledDynamicsValues({ numUsers: users, numItems, train }, pretrained, { batchSize: 16 }, settings(), { checkpointDir: join(root, 'stop'), shouldStop: () => true })).rejects.toThrow(CrossFitStoppedError);
    } finally {
      disposeModel(pretrained);
    }
  });
});
