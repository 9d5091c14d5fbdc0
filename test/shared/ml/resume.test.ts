import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import type { NamedWeights } from '../../../shared/ml/encoder';
import { finetune } from '../../../shared/ml/finetune';
import { pretrain } from '../../../shared/ml/pretrain';
import { TINY, tinyItemText, tinyQueries, tinySequences, tinyTable } from './tiny-data';

const root = mkdtempSync(join(tmpdir(), 'assay-ml-resume-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = {
  encoder: { dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0.1 },
  epochs: 2,
  batchSize: 4,
  seed: 3,
  text: { maxTokens: 6, batchSize: 4 },
};

function expectSameWeights(a: NamedWeights, b: NamedWeights): void {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const name of Object.keys(a)) expect(Buffer.from(a[name]!.data.buffer).equals(Buffer.from(b[name]!.data.buffer)), name).toBe(true);
}

describe('checkpoint resume', () => {
  it('pretraining stopped after epoch 1 and resumed ends bit-identical to an uninterrupted run', async () => {
    const data = { numItems: TINY.numItems, sequences: tinySequences(), itemText: tinyItemText() };
    const straight = await pretrain(data, config, { checkpointDir: join(root, 'straight') });

    let stop = false;
    const epochs: number[] = [];
    const first = await pretrain(data, config, {
      checkpointDir: join(root, 'interrupted'),
      onEpoch: ({ epoch }) => {
        epochs.push(epoch);
        stop = true;
      },
      shouldStop: () => stop,
    });
    expect(first.stopped).toBe(true);
    expect(epochs).toEqual([1]);
    expect(first.checkpointDir).toBe(join(root, 'interrupted', 'epoch-0001'));

    const resumed = await pretrain(data, config, { checkpointDir: join(root, 'interrupted'), resumeFrom: first.checkpointDir! });
    expect(resumed.stopped).toBe(false);
    expect(resumed.lossHistory).toEqual(straight.lossHistory);
    expectSameWeights(resumed.weights, straight.weights);
  });

  it('fine-tuning with queries and example weights resumes exactly too', async () => {
    const seqs = tinySequences();
    const pre = await pretrain({ numItems: TINY.numItems, sequences: seqs, itemText: tinyItemText() }, { ...config, epochs: 1 }, { checkpointDir: join(root, 'pre') });
    const train = tinyTable(seqs);
    const indices = Int32Array.from({ length: train.length }, (_, i) => i).filter((i) => i % 3 !== 0);
    const weights = Float32Array.from(indices, (i) => 1 + (i % 5) / 4);
    const data = { numUsers: TINY.numUsers, numItems: TINY.numItems, train, examples: { indices, weights }, queryTokens: tinyQueries() };
    const ft = { epochs: 2, batchSize: 4, seed: 5, maxQueryTokens: 3 };
    const straight = await finetune(data, pre.model, ft, { checkpointDir: join(root, 'ft-straight') });
    let stop = false;
    const first = await finetune(data, pre.checkpointDir!, ft, { checkpointDir: join(root, 'ft-int'), onEpoch: () => void (stop = true), shouldStop: () => stop });
    expect(first.epochsDone).toBe(1);
    const resumed = await finetune(data, pre.model, ft, { checkpointDir: join(root, 'ft-int'), resumeFrom: first.checkpointDir! });
    expect(resumed.lossHistory).toEqual(straight.lossHistory);
    expectSameWeights(resumed.weights, straight.weights);
    expect(straight.lossHistory[1]).toBeLessThan(straight.lossHistory[0]!);
  });

  it('refuses to resume a checkpoint written for other data, saying why', async () => {
    const data = { numItems: TINY.numItems, sequences: tinySequences(), itemText: tinyItemText() };
    const run = await pretrain(data, { ...config, epochs: 1 }, { checkpointDir: join(root, 'other') });
    const otherData = { ...data, sequences: tinySequences(99) };
    await expect(pretrain(otherData, config, { checkpointDir: join(root, 'other'), resumeFrom: run.checkpointDir! })).rejects.toThrow(/trained on different data/);
  });
});
