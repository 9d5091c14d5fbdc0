import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../../../../shared/data/types';
import { topKExcludingSeen } from '../../../../shared/eval/topk';
import { onnxBatchScorer, recommendTopK } from '../../../../shared/ml/onnx/batch-inference';
import { buildDotScorerModel } from '../../../../shared/ml/onnx/dot-scorer-model';
import { exportDotScorer } from '../../../../shared/ml/onnx/export-dot-scorer';
import { createScoringSession } from '../../../../shared/ml/onnx/scoring-session';
import { decodeMatrixTensor } from '../../../../shared/ml/onnx/tensor-proto';
import { seededRandom } from '../../../support/random';


function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => random() * 2 - 1) };
}

const numUsers = 9;
const numItems = 61;
const dim = 16;
const users = randomMatrix(numUsers, dim, 1);
const items = randomMatrix(numItems, dim, 2);
const bias = Float32Array.from(randomMatrix(1, numItems, 3).data);
const all = Int32Array.from({ length: numUsers }, (_, u) => u);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ONNX dot-product scorer', () => {
  it('scores equal tfjs matMul(userEmb, itemEmbᵀ) + bias within 1e-4', async () => {
    const scoring = await createScoringSession(buildDotScorerModel({ itemEmbeddings: items, itemBias: bias, k: 5 }));
    const onnxScores = await onnxBatchScorer(scoring, users)(all);
    const expected = tf.tidy(() =>
      tf
        .matMul(tf.tensor2d(users.data, [numUsers, dim]), tf.tensor2d(items.data, [numItems, dim]), false, true)
        .add(tf.tensor1d(bias))
        .dataSync(),
    );
    expect(onnxScores.length).toBe(numUsers * numItems);
    let worst = 0;
    for (let p = 0; p < expected.length; p++) worst = Math.max(worst, Math.abs(onnxScores[p]! - expected[p]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('top-K with seen items masked in the graph equals topk.ts on the same scores, padding short lists', async () => {
    const k = 7;
    const scoring = await createScoringSession(buildDotScorerModel({ itemEmbeddings: items, k }));
    // user 3 has seen all but 4 items (with duplicates) → 3 padded slots; user 0 nothing.
    const seenLists = Array.from({ length: numUsers }, (_, u) =>
      u === 3 ? [...Array.from({ length: numItems - 4 }, (_, i) => i + 4), 10, 10] : u === 0 ? [] : [u, u * 2, u * 5, u],
    );
    const offsets = new Int32Array(numUsers + 1);
    seenLists.forEach((list, u) => (offsets[u + 1] = offsets[u]! + list.length));
    const seen = { offsets, items: Int32Array.from(seenLists.flat()) };
    const { topK } = await recommendTopK({ scoring, userEmbeddings: users, numItems, k, seen, blockSize: 4 });
    const scores = await onnxBatchScorer(scoring, users)(all);
    const reference = topKExcludingSeen({ scores, numItems, users: all, seen, k });
    expect(Array.from(topK.items)).toEqual(Array.from(reference.items));
    expect(Array.from(topK.scores)).toEqual(Array.from(reference.scores));
    expect(Array.from(topK.items.subarray(3 * k, 4 * k)).filter((item) => item === -1)).toHaveLength(3);
  });

  it('breaks score ties by the lower item index, like the evaluation code', async () => {
    const tied: Matrix = { rows: 6, cols: 2, data: Float32Array.from([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0]) };
    const scoring = await createScoringSession(buildDotScorerModel({ itemEmbeddings: tied, k: 4 }));
    const user: Matrix = { rows: 1, cols: 2, data: Float32Array.from([1, 0]) };
    const { topK } = await recommendTopK({ scoring, userEmbeddings: user, numItems: 6, k: 4 });
    expect(Array.from(topK.items)).toEqual([0, 2, 3, 5]);
  });

  it('uses CUDA or says why it fell back to CPU', async () => {
    const scoring = await createScoringSession(buildDotScorerModel({ itemEmbeddings: items, k: 1 }));
    if (scoring.executionProvider === 'cpu') expect(scoring.fallbackReason).toMatch(/cuda|CUDA/);
    else expect(scoring.fallbackReason).toBeUndefined();
  });

  it('rejects a k larger than the catalogue with the remedy', () => {
    expect(() => buildDotScorerModel({ itemEmbeddings: items, k: numItems + 1 })).toThrow(/exceeds the 61 items; lower k/);
  });
});

describe('exportDotScorer', () => {
  it('writes the model and both embedding matrices, which read back unchanged', async () => {
    const exported = exportDotScorer({ userEmbeddings: users, itemEmbeddings: items, itemBias: bias, k: 3 });
    const userBack = decodeMatrixTensor(exported.files['user_emb.pb']);
    const itemBack = decodeMatrixTensor(exported.files['item_emb.pb']);
    expect(userBack.name).toBe('user_emb');
    expect(userBack.matrix).toEqual(users);
    expect(itemBack.matrix).toEqual(items);
    expect(exported.manifest).toMatchObject({ k: 3, numUsers, numItems, dim, hasItemBias: true });
    expect(exported.manifest.sha256['scorer.onnx']).toMatch(/^[0-9a-f]{64}$/);
    const scoring = await createScoringSession(exported.files['scorer.onnx']);
    const { topK } = await recommendTopK({ scoring, userEmbeddings: userBack.matrix, numItems, k: 3 });
    expect(topK.items.every((item) => item >= 0 && item < numItems)).toBe(true);
  });
});
