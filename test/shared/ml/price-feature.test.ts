// Price as an item feature (encoder.priceBuckets): quantile buckets, the bucket vector added to
// the item's embedding in training and in what inference scores with, the feature kept through
// checkpoints and fine-tuning, and no trace of it in a model without the switch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { createModel, disposeModel, exportWeights } from '../../../shared/ml/encoder';
import { finetune } from '../../../shared/ml/finetune';
import { loadModel } from '../../../shared/ml/load-model';
import { onnxBatchScorer } from '../../../shared/ml/onnx/batch-inference';
import { exportDotScorer } from '../../../shared/ml/onnx/export-dot-scorer';
import { createScoringSession } from '../../../shared/ml/onnx/scoring-session';
import { priceBuckets } from '../../../shared/ml/price-buckets';
import { pretrain } from '../../../shared/ml/pretrain';
import { itemEmbeddings, userEmbeddings } from '../../../shared/ml/scoring';
import { FIRST_ITEM_ROW } from '../../../shared/ml/vocabulary';
import { TINY, tinySequences, tinyTable } from './tiny-data';

const root = mkdtempSync(join(tmpdir(), 'assay-ml-price-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('price buckets', () => {
  it('split the known prices at their quantiles; an item without a price is bucket 0', () => {
    expect(priceBuckets([1, 2, 3, 4, 5, 6, 7, 8], 4)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(priceBuckets([8, Number.NaN, 1, 5, 3], 2)).toEqual([2, 0, 1, 2, 1]);
    // equal prices share a bucket, and a catalogue with fewer distinct prices leaves buckets empty
    expect(priceBuckets([2, 2, 2, 2, 9], 4)).toEqual([1, 1, 1, 1, 4]);
    expect(priceBuckets([Number.NaN, Number.NaN], 3)).toEqual([0, 0]);
    // the bucket order is the price order, whatever the scale (a log transform gives the same buckets)
    const prices = [0.5, 120, 3, 19.99, 7, 1e4, 0];
    expect(priceBuckets(prices.map(Math.log1p), 3)).toEqual(priceBuckets(prices, 3));
    expect(() => priceBuckets([1], 1)).toThrow(/use an integer ≥ 2/);
  });
});

describe('a model with price as an item feature', () => {
  const seqs = tinySequences();
  // every fourth item has no price
  const itemPrice = Float64Array.from({ length: TINY.numItems }, (_, i) => (i % 4 === 3 ? Number.NaN : 1 + ((i * 7) % 13)));
  const encoder = { dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0 };

  it('has no price parameter without the switch, so its parameters and initial draws are as before', () => {
    const plain = createModel(EncoderConfigSchema.parse(encoder), { numItems: TINY.numItems, vocabSize: 0 }, 3);
    const buckets = priceBuckets(itemPrice, 4);
    const priced = createModel(EncoderConfigSchema.parse({ ...encoder, priceBuckets: 4 }), { numItems: TINY.numItems, vocabSize: 0, itemPriceBucket: buckets }, 3);
    const [a, b] = [exportWeights(plain), exportWeights(priced)];
    expect(Object.keys(a)).not.toContain('embedding.price');
    expect(Object.keys(b)).toEqual([...Object.keys(a), 'embedding.price']);
    for (const name of Object.keys(a)) expect(Array.from(b[name]!.data), name).toEqual(Array.from(a[name]!.data));
    expect(b['embedding.price']!.shape).toEqual([5, 16]);
    expect(() => createModel(EncoderConfigSchema.parse({ ...encoder, priceBuckets: 4 }), { numItems: TINY.numItems, vocabSize: 0 }, 3)).toThrow(/needs each item's price bucket/);
    disposeModel(plain);
    disposeModel(priced);
  });

  it('pretrains and fine-tunes the bucket vectors, exports items with them, and ONNX scores as the model does', async () => {
    const pre = await pretrain({ numItems: TINY.numItems, sequences: seqs, itemPrice }, { encoder: { ...encoder, priceBuckets: 4 }, epochs: 2, batchSize: 4 }, { checkpointDir: join(root, 'pre') });
    const buckets = pre.model.vocabulary.itemPriceBucket!;
    expect(buckets).toEqual(priceBuckets(itemPrice, 4));
    const prePrice = pre.weights['embedding.price']!.data;
    expect(prePrice.some((v) => v !== 0)).toBe(true);

    const train = tinyTable(seqs);
    train.query.fill(-1);
    const ft = await finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train }, pre.checkpointDir!, { epochs: 1, batchSize: 8 }, { checkpointDir: join(root, 'ft') });
    expect(ft.model.vocabulary.itemPriceBucket).toEqual(buckets);
    expect(Array.from(ft.weights['embedding.price']!.data)).not.toEqual(Array.from(prePrice));

    // the item embeddings inference uses are the table rows plus the bucket vectors
    const dim = encoder.dim;
    const table = ft.weights['embedding.table']!.data;
    const price = ft.weights['embedding.price']!.data;
    const items = itemEmbeddings(ft.model);
    for (let i = 0; i < TINY.numItems; i++) {
      for (let c = 0; c < dim; c++) expect(items.data[i * dim + c]).toBeCloseTo(table[(FIRST_ITEM_ROW + i) * dim + c]! + price[buckets[i]! * dim + c]!, 5);
    }

    // a model loaded from the checkpoint scores the same through the exported ONNX scorer
    const { model: loaded } = await loadModel(ft.checkpointDir!);
    expect(loaded.vocabulary.itemPriceBucket).toEqual(buckets);
    const users = userEmbeddings(loaded, seqs);
    const exported = exportDotScorer({ userEmbeddings: users, itemEmbeddings: itemEmbeddings(loaded), k: 5 });
    const scoring = await createScoringSession(exported.files['scorer.onnx']);
    const all = Int32Array.from({ length: TINY.numUsers }, (_, u) => u);
    const scores = await onnxBatchScorer(scoring, users)(all);
    const reference = userEmbeddings(ft.model, seqs);
    for (let u = 0; u < TINY.numUsers; u++) {
      for (let i = 0; i < TINY.numItems; i++) {
        let dot = 0;
        for (let c = 0; c < dim; c++) dot += reference.data[u * dim + c]! * items.data[i * dim + c]!;
        expect(scores[u * TINY.numItems + i]).toBeCloseTo(dot, 3);
      }
    }
    disposeModel(loaded);
  });

  it('trains the bucket vectors on data-parallel threads too (each replica gets the buckets)', async () => {
    const pre = await pretrain({ numItems: TINY.numItems, sequences: seqs, itemPrice }, { encoder: { ...encoder, priceBuckets: 4 }, epochs: 1, batchSize: 4, threads: 2 }, { checkpointDir: join(root, 'pre-threads') });
    expect(pre.weights['embedding.price']!.data.some((v) => v !== 0)).toBe(true);
  });

  it('refuses the switch when the data has no prices', async () => {
    await expect(pretrain({ numItems: TINY.numItems, sequences: seqs }, { encoder: { ...encoder, priceBuckets: 4 }, epochs: 1, batchSize: 4 }, { checkpointDir: join(root, 'none') })).rejects.toThrow(/needs item prices, and the data has none/);
  });
});
