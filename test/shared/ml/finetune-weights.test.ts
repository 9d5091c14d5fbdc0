import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { Random } from '../../../shared/random';
import { createModel, disposeModel, exportWeights } from '../../../shared/ml/encoder';
import { EncoderConfigSchema, FinetuneConfigSchema } from '../../../shared/ml/config';
import { finetune, finetuneLoopData, truncationShare } from '../../../shared/ml/finetune';
import { itemEmbeddings, userEmbeddings } from '../../../shared/ml/scoring';
import { TINY, tinySequences, tinyTable } from './tiny-data';

const root = mkdtempSync(join(tmpdir(), 'assay-ml-ft-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const encoder = EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0 });
const vocab = { numItems: TINY.numItems, vocabSize: 0 };

describe('finetune example weights', () => {
  it('zero weights leave the model untouched while positive weights move it, and the init model is never modified', async () => {
    const seqs = tinySequences();
    const train = tinyTable(seqs);
    train.query.fill(-1);
    const init = createModel(encoder, vocab, 1);
    const before = exportWeights(init);
    const indices = Int32Array.from({ length: train.length }, (_, i) => i);
    const cfg = { epochs: 1, batchSize: 8, optimizer: { weightDecay: 0 } };
    const zero = await finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train, examples: { indices, weights: new Float32Array(indices.length) } }, init, cfg, { checkpointDir: join(root, 'zero') });
    const one = await finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train, examples: { indices, weights: new Float32Array(indices.length).fill(1) } }, init, cfg, { checkpointDir: join(root, 'one') });
    for (const name of Object.keys(before)) {
      expect(Array.from(zero.weights[name]!.data), name).toEqual(Array.from(before[name]!.data));
      expect(Array.from(exportWeights(init)[name]!.data), name).toEqual(Array.from(before[name]!.data));
    }
    expect(Array.from(one.weights['embedding.table']!.data)).not.toEqual(Array.from(before['embedding.table']!.data));
  });

  it('trains the position inference reads: the last column predicts the row\'s newest item', async () => {
    // a user's context at inference ends with its newest item in the last column (position
    // maxLen-1, scoring.ts); fine-tuning must put a target there, or that output is untrained
    const seqs = tinySequences();
    const train = tinyTable(seqs);
    train.query.fill(-1);
    const init = createModel(encoder, vocab, 1);
    const before = exportWeights(init)['embedding.position']!;
    const tuned = await finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train }, init, { epochs: 1, batchSize: 64, optimizer: { weightDecay: 0 } }, { checkpointDir: join(root, 'last-position') });
    const after = tuned.weights['embedding.position']!;
    const row = (data: Float32Array, r: number) => Array.from(data.subarray(r * encoder.dim, (r + 1) * encoder.dim));
    expect(row(after.data, encoder.maxLen - 1)).not.toEqual(row(before.data, encoder.maxLen - 1));
  });

  it('weighs every target alike whatever the length of the rows batched with it', () => {
    // batches group rows of similar length; a per-batch mean would weigh each target of a
    // short-row batch more than one of a long-row batch. Divided by rows × targets per row,
    // a two-row batch's loss is the plain mean of its rows' losses, each row's loss summing
    // its targets (the row-count-weighted mean it would be under a per-batch target mean).
    const train = tinyTable(tinySequences());
    train.query.fill(-1);
    const model = createModel({ ...encoder, causal: true }, vocab, 3);
    const cfg = FinetuneConfigSchema.parse({ loss: { kind: 'full' } });
    const loop = finetuneLoopData({ data: { numUsers: TINY.numUsers, numItems: TINY.numItems, train }, cfg }, model);
    const lengths = Array.from({ length: loop.numSamples }, (_, s) => loop.lengthOf!(s));
    const [a, b] = [lengths.indexOf(Math.min(...lengths)), lengths.indexOf(Math.max(...lengths))];
    expect(lengths[b]! / lengths[a]!).toBeGreaterThan(2); // rows of 1 + n−1 symbols hold n targets
    const lossOf = (...rows: number[]) => {
      const loss = loop.batchLoss(Int32Array.from(rows), new Random(1), 0);
      const value = loss.dataSync()[0] as number;
      loss.dispose();
      return value;
    };
    const [la, lb, both] = [lossOf(a), lossOf(b), lossOf(a, b)];
    expect(lb / la).toBeGreaterThan(2); // each row's loss grows with its targets
    expect(both).toBeCloseTo((la + lb) / 2, 5);
    disposeModel(model);
  });

  it('truncated loss follows its warm-up: no drop in the first epoch, the full rate from the end of the warm-up', async () => {
    const train = tinyTable(tinySequences());
    train.query.fill(-1);
    const init = createModel(encoder, vocab, 1);
    const cfg = { epochs: 1, batchSize: 8, optimizer: { weightDecay: 0 } };
    const data = { numUsers: TINY.numUsers, numItems: TINY.numItems, train };
    const plain = await finetune(data, init, cfg, { checkpointDir: join(root, 'plain') });
    const warming = await finetune(data, init, { ...cfg, truncate: { rate: 0.5, warmupEpochs: 2 } }, { checkpointDir: join(root, 'warming') });
    const dropping = await finetune(data, init, { ...cfg, truncate: { rate: 0.5, warmupEpochs: 0 } }, { checkpointDir: join(root, 'dropping') });
    const table = (r: typeof plain) => Array.from(r.weights['embedding.table']!.data);
    expect(table(warming)).toEqual(table(plain));
    expect(table(dropping)).not.toEqual(table(plain));
    expect(truncationShare(FinetuneConfigSchema.parse({ truncate: { rate: 0.2, warmupEpochs: 4 } }), 2)).toBeCloseTo(0.1, 10);
    expect(truncationShare(FinetuneConfigSchema.parse({ truncate: { rate: 0.2, warmupEpochs: 4 } }), 9)).toBeCloseTo(0.2, 10);
    expect(() => FinetuneConfigSchema.parse({ truncate: { rate: 1 } })).toThrow(/rate must be in \(0, 0.9\]/);
  });

  it('rejects weights that do not match the selected examples, naming the fields', async () => {
    const train = tinyTable(tinySequences());
    const init = createModel(encoder, vocab, 1);
    const bad = { numUsers: TINY.numUsers, numItems: TINY.numItems, train, examples: { indices: Int32Array.from([0, 1]), weights: Float32Array.from([1]) } };
    await expect(finetune(bad, init, {}, { checkpointDir: join(root, 'bad') })).rejects.toThrow(/examples.indices has 2 entries but examples.weights has 1/);
    await expect(finetune({ ...bad, examples: { indices: Int32Array.from([0]), weights: Float32Array.from([-1]) } }, init, {}, { checkpointDir: join(root, 'bad') })).rejects.toThrow(/examples.weights\[0\]=-1 must be finite and ≥ 0/);
  });

  it('scores are dot products of user and item embeddings with one row per user and item', () => {
    const model = createModel(encoder, vocab, 2);
    const users = userEmbeddings(model, tinySequences());
    const items = itemEmbeddings(model);
    expect([users.rows, users.cols, items.rows, items.cols]).toEqual([TINY.numUsers, 16, TINY.numItems, 16]);
    // the same user history encodes to the same vector whatever batch it is encoded in
    const single = userEmbeddings(model, tinySequences(), 1);
    for (let i = 0; i < users.data.length; i++) expect(Math.abs((users.data[i] as number) - (single.data[i] as number))).toBeLessThan(1e-5);
  });
});

describe('config validation', () => {
  it('reports each invalid field with its path', async () => {
    const init = createModel(encoder, vocab, 1);
    const train = tinyTable(tinySequences());
    await expect(finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train }, init, { batchSize: 0, loss: { kind: 'sampled', negatives: -2 } }, { checkpointDir: join(root, 'cfg') })).rejects.toThrow(/finetune\.batchSize[\s\S]*finetune\.loss\.negatives/);
    expect(() => EncoderConfigSchema.parse({ dim: 30, heads: 4 })).toThrow(/divisible/);
  });
});
