import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionTable } from '../../../shared/data/types';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema, type EncoderConfig } from '../../../shared/ml/config';
import { causalCopy, createModel, disposeModel, encode, itemTable, param, type RecModel } from '../../../shared/ml/encoder';
import { FIRST_ITEM_ROW, itemRow, MASK_ROW } from '../../../shared/ml/vocabulary';
import { Random } from '../../../shared/random';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { outputGradientNorms, outputTracinScores, outputTracinValues, tracinOutputValues, OutputGradientSum } from '../../../shared/valuation/tracin-output';

const root = mkdtempSync(join(tmpdir(), 'assay-tracin-output-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function table(user: number[], item: number[], ts: number[]): InteractionTable {
  const n = user.length;
  return { length: n, user: Int32Array.from(user), item: Int32Array.from(item), ts: Float64Array.from(ts), type: new Uint8Array(n), session: new Int32Array(n).fill(-1), relevance: new Float32Array(n).fill(1), query: new Int32Array(n).fill(-1) };
}

/** ∇_E of −log softmax(h·Eᵀ)[y], by automatic differentiation, h held fixed. */
function bruteGradient(h: tf.Tensor1D, y: number, items: tf.Tensor2D): tf.Tensor2D {
  const target = tf.oneHot([y], items.shape[0]);
  const loss = (e: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.matMul(h.reshape([1, -1]), e as tf.Tensor2D, false, true)), target)));
  return tf.grad(loss)(items) as tf.Tensor2D;
}

/** score_j = ⟨∇ℓ_j, Σ_v ∇ℓ_v⟩ from per-example autodiff gradients. */
function bruteScores(trainH: tf.Tensor2D, trainY: number[], validH: tf.Tensor2D, validY: number[], items: tf.Tensor2D): number[] {
  return tf.tidy(() => {
    const validSum = tf.addN(validY.map((y, v) => bruteGradient(validH.gather([v]).reshape([-1]) as tf.Tensor1D, y, items)));
    return trainY.map((y, j) => tf.sum(tf.mul(bruteGradient(trainH.gather([j]).reshape([-1]) as tf.Tensor1D, y, items), validSum)).dataSync()[0]!);
  });
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  const scale = Math.max(...expected.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-4);
  expected.forEach((e, j) => expect(Math.abs((actual[j] as number) - e)).toBeLessThan(1e-4 * scale + 1e-6));
}

/** A freshly initialised encoder with causal attention, as fine-tuning and output-layer TracIn read it. */
function causalModel(cfg: EncoderConfig, numItems: number, seed: number): RecModel {
  const init = createModel(cfg, { numItems, vocabSize: 0 }, seed);
  const model = causalCopy(init);
  disposeModel(init);
  return model;
}

describe('output-layer TracIn', () => {
  it('equals the inner product of per-example autodiff gradients w.r.t. the item table, with S summed over validation batches', () => {
    const rng = new Random(4);
    const [dim, classes, m, v] = [5, 7, 9, 6];
    const fill = (rows: number) => tf.tensor2d(Float32Array.from({ length: rows * dim }, () => rng.normal()), [rows, dim]);
    const items = fill(classes);
    const trainH = fill(m);
    const validH = fill(v);
    const trainY = Array.from({ length: m }, () => rng.int(classes));
    const validY = Array.from({ length: v }, () => rng.int(classes));
    const itemsT = tf.transpose(items) as tf.Tensor2D;
    const s = new OutputGradientSum(itemsT);
    try {
      // two validation batches: S must be their sum
      const first = validH.slice([0, 0], [2, dim]) as tf.Tensor2D;
      const rest = validH.slice([2, 0], [v - 2, dim]) as tf.Tensor2D;
      s.add({ hidden: first, targets: Int32Array.from(validY.slice(0, 2)) });
      s.add({ hidden: rest, targets: Int32Array.from(validY.slice(2)) });
      tf.dispose([first, rest]);
      const scores = outputTracinScores({ hidden: trainH, targets: Int32Array.from(trainY) }, itemsT, s.value);
      expectClose(scores, bruteScores(trainH, trainY, validH, validY, items));
    } finally {
      s.dispose();
      tf.dispose([items, trainH, validH, itemsT]);
    }
  });

  it('takes each example\'s gradient norm on the item table as autodiff does', () => {
    const rng = new Random(5);
    const [dim, classes, m] = [4, 6, 5];
    const items = tf.tensor2d(Float32Array.from({ length: classes * dim }, () => rng.normal()), [classes, dim]);
    const hidden = tf.tensor2d(Float32Array.from({ length: m * dim }, () => rng.normal()), [m, dim]);
    const targets = Array.from({ length: m }, () => rng.int(classes));
    const itemsT = tf.transpose(items) as tf.Tensor2D;
    try {
      const norms = outputGradientNorms({ hidden, targets: Int32Array.from(targets) }, itemsT);
      const expected = targets.map((y, j) => tf.tidy(() => tf.norm(bruteGradient(hidden.gather([j]).reshape([-1]) as tf.Tensor1D, y, items)).dataSync()[0]!));
      expectClose(norms, expected);
    } finally {
      tf.dispose([items, hidden, itemsT]);
    }
  });

  it('on a causal encoder, scores every training interaction from its own context against the validation items after each whole history', async () => {
    const numItems = 11;
    const [users, length] = [4, 5];
    const cfg = EncoderConfigSchema.parse({ dim: 8, layers: 1, heads: 1, maxLen: 16, dropout: 0 });
    const model = causalModel(cfg, numItems, 3);
    const rng = new Random(9);
    // rows written newest first, so the time order (not the row order) must decide each context
    const u: number[] = []; const it: number[] = []; const ts: number[] = [];
    for (let a = 0; a < users; a++) for (let k = length - 1; k >= 0; k--) { u.push(a); it.push(rng.int(numItems)); ts.push(k); }
    const train = table(u, it, ts);
    const valid = table([2, 0, 3], [rng.int(numItems), rng.int(numItems), rng.int(numItems)], [length, length, length]);
    try {
      const values = await outputTracinValues(model, { numUsers: users, numItems, train, valid }, { maxValidPoints: 10, seed: 1, rowsPerBatch: 2 });
      // brute force: each user's row encoded alone, in time order — [MASK, x0 … x(L−2)] for the
      // training targets (position k predicts x_k; causal, so it reads x0 … x(k−1) alone) and
      // [MASK, x0 … x(L−1)] for the validation item after the whole history
      const history = (a: number) => [...Array(length).keys()].map((k) => a * length + (length - 1 - k));
      const encodeRow = (a: number, items: number, position: number) => tf.tidy(() => {
        const ids = Int32Array.from([MASK_ROW, ...history(a).slice(0, items).map((j) => itemRow(it[j]!))]);
        return encode(model, ids, 1, ids.length, { training: false }).slice([position, 0], [1, cfg.dim]);
      });
      const hiddenOf = (a: number, k: number) => encodeRow(a, length - 1, k);
      const validHiddenOf = (a: number) => encodeRow(a, length, length);
      const trainRows: number[] = []; const trainH: tf.Tensor2D[] = [];
      for (let a = 0; a < users; a++) history(a).forEach((j, k) => { trainRows.push(j); trainH.push(hiddenOf(a, k)); });
      const validH = [2, 0, 3].map(validHiddenOf);
      const items = tf.tidy(() => itemTable(model).slice([FIRST_ITEM_ROW, 0], [numItems, cfg.dim]) as tf.Tensor2D);
      const th = tf.concat(trainH) as tf.Tensor2D;
      const vh = tf.concat(validH) as tf.Tensor2D;
      const expected = bruteScores(th, trainRows.map((j) => it[j]!), vh, Array.from(valid.item), items);
      tf.dispose([...trainH, ...validH, items, th, vh]);
      expectClose(trainRows.map((j) => values[j]!), expected);
    } finally {
      disposeModel(model);
    }
  });

  it('through the last block too, adds the inner product of per-example autodiff gradients w.r.t. its output projection', async () => {
    const numItems = 9;
    const [users, length] = [3, 4];
    const cfg = EncoderConfigSchema.parse({ dim: 8, layers: 2, heads: 1, maxLen: 16, dropout: 0 });
    const model = causalModel(cfg, numItems, 5);
    const rng = new Random(11);
    const u: number[] = []; const it: number[] = []; const ts: number[] = [];
    for (let a = 0; a < users; a++) for (let k = 0; k < length; k++) { u.push(a); it.push(rng.int(numItems)); ts.push(k); }
    const train = table(u, it, ts);
    const valid = table([0, 2], [rng.int(numItems), rng.int(numItems)], [length, length]);
    try {
      const data = { numUsers: users, numItems, train, valid };
      const settings = { maxValidPoints: 10, seed: 1, rowsPerBatch: 2 };
      const [withBlock, outputOnly] = [await outputTracinValues(model, data, { ...settings, lastBlock: true }), await outputTracinValues(model, data, settings)];
      // one example's gradient w.r.t. the last block's ffn.w2 and ffn.b2: its user's row [MASK, x0 … x(L−2)], read at
      // the example's position (positions are the row's columns, so a shorter row would read another state)
      const w2 = param(model, 'block1.ffn.w2');
      const b2 = param(model, 'block1.ffn.b2');
      const gradientOf = (items: number[], position: number, y: number) => tf.tidy(() => {
        const ids = Int32Array.from([MASK_ROW, ...items.map(itemRow)]);
        const { grads } = tf.variableGrads(() => {
          const h = encode(model, ids, 1, ids.length, { training: false }).slice([position, 0], [1, cfg.dim]);
          const logits = tf.matMul(h, itemTable(model).slice([FIRST_ITEM_ROW, 0], [numItems, cfg.dim]), false, true);
          return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot([y], numItems)))) as tf.Scalar;
        }, [w2, b2]);
        return tf.concat([grads[w2.name]!.reshape([-1]), grads[b2.name]!.reshape([-1])]);
      });
      const historyOf = (a: number) => it.slice(a * length, (a + 1) * length);
      const validSum = tf.addN([0, 2].map((a, v) => gradientOf(historyOf(a), length, valid.item[v]!)));
      const expected: number[] = [];
      for (let a = 0; a < users; a++) for (let k = 0; k < length; k++) {
        const g = gradientOf(historyOf(a).slice(0, length - 1), k, it[a * length + k]!);
        expected.push(tf.sum(tf.mul(g, validSum)).dataSync()[0]!);
        g.dispose();
      }
      validSum.dispose();
      expectClose(expected.map((_, j) => withBlock[j]! - outputOnly[j]!), expected);
    } finally {
      disposeModel(model);
    }
  });

  it('values interactions replaced by random items below those that follow the users\' walk', async () => {
    const numItems = 24;
    const [users, length] = [60, 12];
    const rng = new Random(3);
    const u: number[] = []; const it: number[] = []; const ts: number[] = [];
    const noisy: number[] = [];
    const vu: number[] = []; const vi: number[] = []; const vts: number[] = [];
    for (let a = 0; a < users; a++) {
      const start = rng.int(numItems);
      for (let k = 0; k < length; k++) {
        const planted = k > 0 && rng.next() < 0.1;
        u.push(a); ts.push(k); noisy.push(planted ? 1 : 0);
        it.push(planted ? (start + k + 3 + rng.int(numItems - 6)) % numItems : (start + k) % numItems);
      }
      vu.push(a); vi.push((start + length) % numItems); vts.push(length);
    }
    const pretrained = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 1, maxLen: 16, dropout: 0 }), { numItems, vocabSize: 0 }, 1);
    try {
      const values = await tracinOutputValues({ numUsers: users, numItems, train: table(u, it, ts), valid: table(vu, vi, vts) }, pretrained, { batchSize: 16, optimizer: { lr: 1e-2 } }, { warmupEpochs: 4, maxValidPoints: 40, seed: 2 }, { checkpointDir: root });
      expect(values.every(Number.isFinite)).toBe(true);
      expect(noiseDetectionAuc(values, Uint8Array.from(noisy))).toBeGreaterThan(0.7);
    } finally {
      disposeModel(pretrained);
    }
  });
});
