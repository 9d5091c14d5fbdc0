import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import { selectBackend } from '../../../shared/ml/backend';
import { LossConfigSchema } from '../../../shared/ml/config';
import { finetune } from '../../../shared/ml/finetune';
import { pretrain } from '../../../shared/ml/pretrain';
import { countsOf, POPULARITY_EXPONENT, popularitySampler, samplerFor, uniformSampler, type NegativeSampler } from '../../../shared/ml/negative-sampler';
import { softmaxLoss } from '../../../shared/ml/kernels/softmax-loss';
import { TINY, tinyItemText, tinySequences, tinyTable } from './tiny-data';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('popularitySampler', () => {
  const counts = [0, 3, 15, 80];
  const weights = counts.map((c) => (c + 1) ** POPULARITY_EXPONENT);
  const total = weights.reduce((a, b) => a + b, 0);

  it('draws each class with probability ∝ (count + 1)^0.75 and reports log k·q', () => {
    const sampler = popularitySampler(counts);
    const draws = sampler.draw(200_000, new Random(7));
    const seen = countsOf(draws, 4);
    for (let c = 0; c < 4; c++) {
      expect((seen[c] as number) / draws.length).toBeCloseTo((weights[c] as number) / total, 2);
      expect(sampler.logExpectedCount(c, 50)).toBeCloseTo(Math.log((50 * (weights[c] as number)) / total), 10);
    }
  });

  it('repeats its draws for the same seed', () => {
    const sampler = popularitySampler(counts);
    expect(Array.from(sampler.draw(64, new Random(3)))).toEqual(Array.from(sampler.draw(64, new Random(3))));
    expect(Array.from(sampler.draw(64, new Random(3)))).not.toEqual(Array.from(sampler.draw(64, new Random(4))));
  });

  it('refuses counts that are not finite and ≥ 0, naming the class', () => {
    expect(() => popularitySampler([1, -2, 3])).toThrow(/counts\[1\]=-2/);
    expect(() => popularitySampler([1, 2, Number.NaN])).toThrow(/counts\[2\]=NaN/);
    expect(() => popularitySampler([])).toThrow(/no classes/);
  });
});

describe('uniformSampler and samplerFor', () => {
  it('uniform draws are the seeded stream of Random.int and carry no correction', () => {
    const rng = new Random(11);
    const expected = Array.from({ length: 20 }, () => rng.int(9));
    const sampler = uniformSampler(9);
    expect(Array.from(sampler.draw(20, new Random(11)))).toEqual(expected);
    expect(sampler.corrected).toBe(false);
    expect(sampler.logExpectedCount(3, 20)).toBeCloseTo(Math.log(20 / 9), 10);
  });

  it('builds the configured sampler, counting only when it needs the counts', () => {
    let counted = 0;
    const counts = () => { counted++; return [5, 0, 1]; };
    expect(samplerFor(LossConfigSchema.parse({ kind: 'sampled' }), 3, counts).corrected).toBe(false);
    expect(samplerFor(LossConfigSchema.parse({ kind: 'full' }), 3, counts).corrected).toBe(false);
    expect(counted).toBe(0);
    expect(samplerFor(LossConfigSchema.parse({ kind: 'sampled', sampler: 'popularity' }), 3, counts).corrected).toBe(true);
    expect(counted).toBe(1);
    expect(LossConfigSchema.safeParse({ kind: 'sampled', sampler: 'zipf' }).success).toBe(false);
  });
});

describe('softmaxLoss with popularity-drawn negatives', () => {
  // 400 classes with Zipf-like training counts; 64 negatives cover a sixth of them
  const classes = 400;
  const dim = 8;
  const counts = Array.from({ length: classes }, (_, c) => Math.floor(2000 / (c + 1)));
  const targets = Int32Array.from([0, 5, 120]);

  function setting() {
    const rng = new Random(5);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    // popular classes score higher, as a trained model's logits do
    const table = tf.tensor2d(Array.from({ length: classes * dim }, (_, i) => 0.5 * normal() + (i % dim === 0 ? 2 / Math.sqrt(1 + Math.floor(i / dim)) : 0)), [classes, dim]);
    const hidden = tf.tensor2d(Array.from({ length: targets.length * dim }, (_, i) => 0.8 * normal() + (i % dim === 0 ? 1 : 0)), [targets.length, dim]);
    return { table, hidden };
  }
  const meanOver = (seeds: number, sampler: NegativeSampler, table: tf.Tensor2D, hidden: tf.Tensor2D) => {
    let sum = 0;
    for (let s = 0; s < seeds; s++) sum += softmaxLoss({ table, firstRow: 0, classes, sampler }, hidden, targets, null, { kind: 'sampled', negatives: 64 }, new Random(100 + s)).dataSync()[0] as number;
    return sum / seeds;
  };

  it('estimates the full softmax loss, which uncorrected popularity draws miss by far', () => {
    const { table, hidden } = setting();
    const full = softmaxLoss({ table, firstRow: 0, classes }, hidden, targets, null, { kind: 'full' }, new Random(1)).dataSync()[0] as number;
    const corrected = meanOver(30, popularitySampler(counts), table, hidden);
    const skewed: NegativeSampler = { ...popularitySampler(counts), corrected: false };
    const uncorrected = meanOver(30, skewed, table, hidden);
    expect(Math.abs(corrected - full)).toBeLessThan(0.05 * full);
    expect(Math.abs(uncorrected - full)).toBeGreaterThan(0.2 * full);
  });

  it('refuses a sampler over a different number of classes', () => {
    const { table, hidden } = setting();
    expect(() => softmaxLoss({ table, firstRow: 0, classes, sampler: uniformSampler(10) }, hidden, targets, null, { kind: 'sampled', negatives: 4 }, new Random(1))).toThrow(/draws from 10 classes but the block has 400/);
  });
});

describe('pretraining and fine-tuning with popularity-drawn negatives', () => {
  const root = mkdtempSync(join(tmpdir(), 'assay-ml-sampler-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const encoder = { dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0 };

  it('train with the configured sampler, repeatably, and differently from uniform draws', async () => {
    const sequences = tinySequences();
    const train = tinyTable(sequences);
    train.query.fill(-1);
    const loss = (sampler: 'uniform' | 'popularity') => ({ kind: 'sampled' as const, negatives: 5, sampler });
    const table = (weights: { 'embedding.table'?: { data: Float32Array } }) => Array.from(weights['embedding.table']!.data);
    const pretrained = (sampler: 'uniform' | 'popularity', name: string) =>
      pretrain({ numItems: TINY.numItems, sequences, itemText: tinyItemText() }, { encoder, epochs: 1, batchSize: 4, loss: loss(sampler), text: { maxTokens: 8 } }, { checkpointDir: join(root, `pre-${name}`) });
    const popularPre = await pretrained('popularity', 'p1');
    expect(table((await pretrained('popularity', 'p2')).weights)).toEqual(table(popularPre.weights));
    const uniformPre = await pretrained('uniform', 'u');
    expect(table(uniformPre.weights)).not.toEqual(table(popularPre.weights));
    // fine-tuning from one and the same pretrained model
    const tuned = async (sampler: 'uniform' | 'popularity', name: string) =>
      table((await finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train }, uniformPre.model, { epochs: 1, batchSize: 4, loss: loss(sampler) }, { checkpointDir: join(root, `ft-${name}`) })).weights);
    const popular = await tuned('popularity', 'p1');
    expect(await tuned('popularity', 'p2')).toEqual(popular);
    expect(await tuned('uniform', 'u')).not.toEqual(popular);
  });
});
