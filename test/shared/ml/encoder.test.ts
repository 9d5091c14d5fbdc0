import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { Random } from '../../../shared/random';
import { createModel, encode, encodeBlocks, exportWeights, modelFromWeights } from '../../../shared/ml/encoder';
import { FIRST_ITEM_ROW, PAD_ROW } from '../../../shared/ml/vocabulary';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('encode with scaleInputEmbeddings', () => {
  it('reads the looked-up vectors times √dim: the same as an unscaled model whose table is √dim larger', () => {
    const vocab = { numItems: 6, vocabSize: 0 };
    const scaled = EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 2, maxLen: 4, scaleInputEmbeddings: true });
    const model = createModel(scaled, vocab, 3);
    const weights = exportWeights(model);
    const table = weights['embedding.table']!;
    const grown = { ...weights, 'embedding.table': { shape: table.shape, data: table.data.map((v) => v * 4) } };
    const plain = modelFromWeights({ ...scaled, scaleInputEmbeddings: false }, vocab, grown);
    const ids = Int32Array.from([FIRST_ITEM_ROW, FIRST_ITEM_ROW + 3, FIRST_ITEM_ROW + 5, FIRST_ITEM_ROW + 1]);
    const a = encode(model, ids, 1, 4, { training: false });
    const b = encode(plain, ids, 1, 4, { training: false });
    const unscaled = encode(modelFromWeights({ ...scaled, scaleInputEmbeddings: false }, vocab, weights), ids, 1, 4, { training: false });
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(a, unscaled))).dataSync()[0]).toBeGreaterThan(1e-2);
  });
});

describe('encodeBlocks', () => {
  it('encodes batches of different lengths at once as each alone: hidden rows and every weight gradient', () => {
    const vocab = { numItems: 9, vocabSize: 0 };
    const cfg = EncoderConfigSchema.parse({ dim: 16, layers: 2, heads: 2, maxLen: 8 });
    const model = createModel(cfg, vocab, 5);
    const rng = new Random(2);
    const batchOf = (batch: number, len: number) => {
      const ids = Int32Array.from({ length: batch * len }, () => FIRST_ITEM_ROW + rng.int(vocab.numItems));
      ids[len] = PAD_ROW; // a left-padded second row
      return { ids, batch, len };
    };
    const [a, b] = [batchOf(3, 8), batchOf(2, 5)];
    const params = [...model.params.values()];
    const upstream = tf.randomNormal([3 * 8 + 2 * 5, 16], 0, 1, 'float32', 4);
    const together = () => encodeBlocks(model, [a, b], { training: false });
    const apart = () => tf.concat([encode(model, a.ids, a.batch, a.len, { training: false }), encode(model, b.ids, b.batch, b.len, { training: false })]);
    expect(tf.max(tf.abs(tf.sub(together(), apart()))).dataSync()[0]).toBeLessThan(1e-5);
    const gradsOf = (fn: () => tf.Tensor) => tf.variableGrads(() => tf.sum(tf.mul(fn(), upstream)) as tf.Scalar, params).grads;
    const [got, want] = [gradsOf(together), gradsOf(apart)];
    for (const [name, v] of model.params) {
      const scale = Math.max(1, tf.max(tf.abs(want[v.name]!)).dataSync()[0]!);
      expect(tf.max(tf.abs(tf.sub(got[v.name]!, want[v.name]!))).dataSync()[0]! / scale, name).toBeLessThan(1e-5);
    }
    expect(() => encodeBlocks(model, [a, { ...b, len: 9 }], { training: false })).toThrow(/sequence length 9 exceeds encoder.maxLen=8/);
  });
});
