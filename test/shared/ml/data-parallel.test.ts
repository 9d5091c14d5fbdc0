import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema, OptimizerConfigSchema } from '../../../shared/ml/config';
import { StepExchange } from '../../../shared/ml/data-parallel/exchange';
import { partOf } from '../../../shared/ml/data-parallel/replica';
import { createModel, exportWeights, type NamedWeights } from '../../../shared/ml/encoder';
import { finetune } from '../../../shared/ml/finetune';
import { pretrain } from '../../../shared/ml/pretrain';
import { assertParallelBackend, runEpochs, type LoopSpec } from '../../../shared/ml/training-loop';
import { squaresLoopData } from './replica-fixtures';
import { TINY, tinyItemText, tinySequences, tinyTable } from './tiny-data';

const root = mkdtempSync(join(tmpdir(), 'assay-ml-parallel-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIXTURES = join(__dirname, 'replica-fixtures.ts');
const encoder = EncoderConfigSchema.parse({ dim: 8, layers: 1, heads: 1, maxLen: 6, dropout: 0 });

/** A loop over 12 samples whose loss is the mean of ‖table row s‖² (replica-fixtures.ts). */
function squaresSpec(threads: number, builder = 'squaresLoopData'): LoopSpec {
  const model = createModel(encoder, { numItems: 12, vocabSize: 0 }, 4);
  const input = { samples: 12 };
  return {
    kind: 'pretrain',
    model,
    seed: 9,
    epochs: 2,
    batchSize: 6,
    optimizer: OptimizerConfigSchema.parse({ lr: 0.05 }),
    config: { threads },
    dataFingerprint: 'squares',
    threads,
    replica: { module: FIXTURES, builder, input },
    ...squaresLoopData(input, model),
  };
}

function maxDifference(a: NamedWeights, b: NamedWeights): number {
  let max = 0;
  for (const name of Object.keys(a)) {
    const x = a[name]!.data;
    const y = b[name]!.data;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return max;
}

describe('StepExchange', () => {
  it('averages the parts weighted by their sample counts, skipping empty parts', () => {
    const ex = StepExchange.create(['a', 'b'], [2, 1], 3);
    ex.write(1, 0, { loss: 4, samples: 3, grads: new Map([['a', Float32Array.from([1, 2])], ['b', Float32Array.from([3])]]) });
    ex.write(1, 1, { loss: 8, samples: 1, grads: new Map([['a', Float32Array.from([5, 6])], ['b', Float32Array.from([7])]]) });
    ex.write(1, 2, { loss: 0, samples: 0, grads: null });
    const { loss, grads } = ex.mean(1);
    expect(loss).toBeCloseTo(0.75 * 4 + 0.25 * 8, 12);
    expect(Array.from(grads.get('a')!)).toEqual([2, 3]);
    expect(Array.from(grads.get('b')!)).toEqual([4]);
    expect(() => ex.write(0, 0, { loss: 1, samples: 1, grads: new Map([['a', new Float32Array(2)]]) })).toThrow(/no gradient of size 1 for 'b'/);
  });

  it('sums the parts in f64 in part order and rounds once, whatever the number of parts with samples', () => {
    const size = 5000; // more than one reduction chunk
    for (const counts of [[2, 3, 4], [0, 0, 3], [1, 0, 6]]) {
      const ex = StepExchange.create(['w'], [size], counts.length);
      const parts = counts.map((_, p) => Float32Array.from({ length: size }, (_, i) => Math.sin(i * (p + 1)) * 10 ** ((i % 7) - 3)));
      for (const [p, samples] of counts.entries()) ex.write(0, p, { loss: p, samples, grads: samples > 0 ? new Map([['w', parts[p]!]]) : null });
      const total = counts.reduce((a, b) => a + b, 0);
      const expected = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        let sum = 0;
        for (const [p, samples] of counts.entries()) if (samples > 0) sum += (samples / total) * parts[p]![i]!;
        expected[i] = sum;
      }
      expect(ex.mean(0).grads.get('w')).toEqual(expected);
    }
  });

  it('deals a batch to the parts in turn, so each holds short and long rows of a length-sorted batch', () => {
    const batch = Int32Array.from([10, 11, 12, 13, 14]);
    expect([0, 1, 2].map((p) => Array.from(partOf(batch, p, 3)))).toEqual([[10, 13], [11, 14], [12]]);
    expect(Array.from(partOf(Int32Array.from([1]), 1, 2))).toEqual([]);
  });
});

describe('data-parallel training', () => {
  it('two threads apply the batch-mean gradient: the update one thread makes when the loss is a per-sample mean', async () => {
    const one = squaresSpec(1);
    const two = squaresSpec(2);
    await runEpochs(one, { checkpointDir: join(root, 'squares-1') });
    const logs: string[] = [];
    const tensorsBefore = tf.memory().numTensors;
    await runEpochs(two, { checkpointDir: join(root, 'squares-2'), log: (l) => logs.push(l) });
    // every step's temporaries released (a leak of one tensor per parameter and step once filled the WASM heap)
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(logs.some((l) => /2 data-parallel threads ready/.test(l))).toBe(true);
    const before = exportWeights(createModel(encoder, { numItems: 12, vocabSize: 0 }, 4));
    expect(maxDifference(exportWeights(one.model), before)).toBeGreaterThan(0.01);
    expect(maxDifference(exportWeights(two.model), exportWeights(one.model))).toBeLessThan(1e-6);
  });

  it('fine-tuning on two threads repeats itself, resumes exactly, and is its own run', async () => {
    const seqs = tinySequences();
    const pre = await pretrain({ numItems: TINY.numItems, sequences: seqs, itemText: tinyItemText() }, { encoder: { dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0.1 }, epochs: 1, batchSize: 4, threads: 2, text: { maxTokens: 6 } }, { checkpointDir: join(root, 'pre') });
    const train = tinyTable(seqs);
    const data = { numUsers: TINY.numUsers, numItems: TINY.numItems, train };
    const ft = { epochs: 2, batchSize: 4, seed: 5, threads: 2 };
    const straight = await finetune(data, pre.model, ft, { checkpointDir: join(root, 'ft-straight') });
    const again = await finetune(data, pre.model, ft, { checkpointDir: join(root, 'ft-again') });
    expect(again.lossHistory).toEqual(straight.lossHistory);
    expect(maxDifference(again.weights, straight.weights)).toBe(0);

    let stop = false;
    const first = await finetune(data, pre.model, ft, { checkpointDir: join(root, 'ft-int'), onEpoch: () => void (stop = true), shouldStop: () => stop });
    expect(first.epochsDone).toBe(1);
    const resumed = await finetune(data, pre.model, ft, { checkpointDir: join(root, 'ft-int'), resumeFrom: first.checkpointDir! });
    expect(resumed.lossHistory).toEqual(straight.lossHistory);
    expect(maxDifference(resumed.weights, straight.weights)).toBe(0);

    const single = await finetune(data, pre.model, { ...ft, threads: 1 }, { checkpointDir: join(root, 'ft-single') });
    expect(maxDifference(single.weights, straight.weights)).toBeGreaterThan(0);
    await expect(finetune(data, pre.model, { ...ft, threads: 1 }, { checkpointDir: join(root, 'ft-int'), resumeFrom: first.checkpointDir! })).rejects.toThrow(/training config differs/);
  });

  it('a worker that cannot build its replica fails the run with the reason', async () => {
    await expect(runEpochs(squaresSpec(2, 'missingLoopData'), { checkpointDir: join(root, 'missing') })).rejects.toThrow(/worker 1 failed:[\s\S]*exports no function 'missingLoopData'/);
  });

  it('a worker failing in a step fails the run with its error instead of hanging', async () => {
    await expect(runEpochs(squaresSpec(2, 'failingLoopData'), { checkpointDir: join(root, 'failing') })).rejects.toThrow(/a worker thread failed: worker 1: Error: replica loss exploded/);
  });

  it('refuses worker threads under native TensorFlow, saying what to set', () => {
    expect(() => assertParallelBackend('finetune', 'tensorflow', 2)).toThrow(/finetune: threads=2 .* set threads: 1/);
    expect(() => assertParallelBackend('finetune', 'tensorflow', 1)).not.toThrow();
    expect(() => assertParallelBackend('finetune', 'wasm', 2)).not.toThrow();
  });

  it('refuses a thread count outside 1..32, naming the field', async () => {
    await expect(finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train: tinyTable(tinySequences()) }, createModel(encoder, { numItems: TINY.numItems, vocabSize: 0 }, 1), { threads: 0 }, { checkpointDir: join(root, 'bad') })).rejects.toThrow(/finetune\.threads/);
  });
});
