import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { createModel, encode, exportWeights, modelFromWeights } from '../../../shared/ml/encoder';
import { FIRST_ITEM_ROW } from '../../../shared/ml/vocabulary';

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
