import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import { selectBackend } from '../../../shared/ml/backend';
import { classCrossEntropy, crossEntropy, softmaxLoss, type TargetStandings } from '../../../shared/ml/kernels/softmax-loss';
import { setKernelsEnabled } from '../../../shared/ml/wasm/kernels';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

// table rows 0..1 are not classes; classes are rows 2..5 (built once the backend is up)
let table: tf.Tensor2D;
let hidden: tf.Tensor2D;
const targets = Int32Array.from([1, 3]);
beforeAll(() => {
  table = tf.tensor2d([9, 9, 9, 9, 0.5, -1, 1, 0.2, -0.3, 0.7, 2, 1], [6, 2]);
  hidden = tf.tensor2d([1, 0.5, -0.5, 2], [2, 2]);
});

function referenceLogits(): number[][] {
  const t = table.arraySync() as number[][];
  return (hidden.arraySync() as number[][]).map((row) => [2, 3, 4, 5].map((r) => (row[0] as number) * (t[r]![0] as number) + (row[1] as number) * (t[r]![1] as number)));
}

function referenceNll(): number[] {
  const t = table.arraySync() as number[][];
  const h = hidden.arraySync() as number[][];
  return h.map((row, m) => {
    const logits = [2, 3, 4, 5].map((r) => (row[0] as number) * (t[r]![0] as number) + (row[1] as number) * (t[r]![1] as number));
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    return lse - (logits[targets[m] as number] as number);
  });
}

describe('softmaxLoss', () => {
  it('full softmax is the per-example weighted mean of −log p(target)', () => {
    const nll = referenceNll();
    const weights = Float32Array.from([2, 0.5]);
    const got = softmaxLoss({ table, firstRow: 2, classes: 4 }, hidden, targets, weights, { kind: 'full' }, new Random(1)).dataSync()[0] as number;
    expect(got).toBeCloseTo((2 * (nll[0] as number) + 0.5 * (nll[1] as number)) / 2, 5);
    const plain = softmaxLoss({ table, firstRow: 2, classes: 4 }, hidden, targets, null, { kind: 'full' }, new Random(1)).dataSync()[0] as number;
    expect(plain).toBeCloseTo(((nll[0] as number) + (nll[1] as number)) / 2, 5);
  });

  it('sampled softmax with every class drawn equals the full loss, and is smaller with fewer negatives', () => {
    const full = softmaxLoss({ table, firstRow: 2, classes: 4 }, hidden, targets, null, { kind: 'full' }, new Random(1)).dataSync()[0] as number;
    const few = softmaxLoss({ table, firstRow: 2, classes: 4 }, hidden, targets, null, { kind: 'sampled', negatives: 1 }, new Random(3)).dataSync()[0] as number;
    expect(few).toBeLessThan(full);
    const all = softmaxLoss({ table, firstRow: 2, classes: 4 }, hidden, targets, null, { kind: 'sampled', negatives: 4 }, new Random(3)).dataSync()[0] as number;
    expect(all).toBeCloseTo(full, 5); // negatives ≥ classes falls back to the exact softmax
  });

  it('tells an observer each target\'s margin over the best other class and its rank: over the catalogue, or over the sampled negatives', () => {
    const standings = (loss: { kind: 'full' } | { kind: 'sampled'; negatives: number }) => {
      let seen: TargetStandings | undefined;
      softmaxLoss({ table, firstRow: 2, classes: 4 }, hidden, targets, null, loss, new Random(3), { observeStandings: (s) => { seen = s; } }).dispose();
      return seen!;
    };
    const logits = referenceLogits();
    const others = (m: number) => logits[m]!.filter((_, c) => c !== targets[m]);
    const full = standings({ kind: 'full' });
    logits.forEach((row, m) => {
      expect(full.margin[m]).toBeCloseTo(row[targets[m]!]! - Math.max(...others(m)), 4);
      expect(full.rank[m]).toBe(others(m).filter((l) => l > row[targets[m]!]!).length);
    });
    // one uniform negative a row: the margin over it is at least the margin over every class, the rank at most 1
    const sampled = standings({ kind: 'sampled', negatives: 1 });
    logits.forEach((row, m) => {
      expect(sampled.margin[m]).toBeGreaterThanOrEqual(row[targets[m]!]! - Math.max(...others(m)) - 1e-4);
      expect(sampled.rank[m]).toBeLessThanOrEqual(1);
    });
  });
});

describe('crossEntropy', () => {
  it('has the value and gradient of the stock weighted −log softmax pick', () => {
    const logits = tf.tensor2d([0.3, -1.2, 2.0, 0.1, 0.5, 0.5, -0.7, 1.9, 3.0, -2.0, 0.0, 0.4], [3, 4]);
    const picked = Int32Array.from([2, 0, 3]);
    const weights = Float32Array.from([1, 0.25, 3]);
    const oneHot = tf.oneHot(tf.tensor1d(picked, 'int32'), 4).toFloat();
    const w = tf.tensor1d(weights);
    const stock = (x: tf.Tensor) => tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), oneHot), 1)), w)), 3) as tf.Scalar;
    const ours = (x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, picked, weights);
    expect(ours(logits).dataSync()[0]).toBeCloseTo(stock(logits).dataSync()[0] as number, 5);
    const gOurs = tf.grad((x: tf.Tensor) => tf.mul(ours(x), 2))(logits).dataSync();
    const gStock = tf.grad((x: tf.Tensor) => tf.mul(stock(x), 2))(logits).dataSync();
    for (let i = 0; i < gStock.length; i++) expect(gOurs[i]).toBeCloseTo(gStock[i] as number, 5);
  });

  it('stays exact when the target probability underflows float32', () => {
    // p(target) = e^-200 / (1 + e^-200): float32 softmax rounds it to 0, the loss is 200
    const got = crossEntropy(tf.tensor2d([0, 200], [1, 2]), Int32Array.from([0]), null).dataSync()[0] as number;
    expect(got).toBeCloseTo(200, 3);
  });
});

describe.each([
  ['the SIMD kernels on the WASM heap', true, 'wasm'],
  ['the copying SIMD kernels (CPU backend)', true, 'cpu'],
  ['typed-array loops', false, 'wasm'],
] as const)('classCrossEntropy with %s', (_, kernels, backend) => {
  beforeAll(async () => {
    setKernelsEnabled(kernels);
    await selectBackend(backend, () => undefined);
  });
  afterAll(async () => {
    setKernelsEnabled(true);
    await selectBackend('wasm', () => undefined);
  });
  it('has the value and both gradients of crossEntropy(hidden·classesᵀ), on a block of a larger table wider and taller than its transpose tile', () => {
    const rng = new Random(9);
    const [m, c, d, firstRow, rows] = [37, 45, 6, 3, 52];
    const h = tf.tensor2d(Float32Array.from({ length: m * d }, () => rng.next() * 2 - 1), [m, d]);
    const table = tf.tensor2d(Float32Array.from({ length: rows * d }, () => rng.next() * 2 - 1), [rows, d]);
    const picked = Int32Array.from({ length: m }, () => rng.int(c));
    const weights = Float32Array.from({ length: m }, () => rng.next() + 0.5);
    // the reference: stock ops all the way (Slice's gradient zeroes the rows outside the block)
    const oneHot = tf.oneHot(tf.tensor1d(picked, 'int32'), c).toFloat();
    const composed = (a: tf.Tensor, b: tf.Tensor) =>
      tf.mul(tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.matMul(a, tf.slice(b, [firstRow, 0], [c, d]), false, true)), oneHot), 1)), tf.tensor1d(weights))), m), 3) as tf.Scalar;
    const fused = (a: tf.Tensor, b: tf.Tensor) => tf.mul(classCrossEntropy(a as tf.Tensor2D, { table: b, firstRow, classes: c }, picked, weights), 3) as tf.Scalar;
    expect(fused(h, table).dataSync()[0]).toBeCloseTo(composed(h, table).dataSync()[0] as number, 5);
    const gFused = tf.grads(fused)([h, table]);
    const gComposed = tf.grads(composed)([h, table]);
    for (let k = 0; k < 2; k++) {
      const [a, b] = [gFused[k]!.dataSync(), gComposed[k]!.dataSync()];
      expect(a.length).toBe(b.length);
      for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 5);
    }
    const dTable = gFused[1]!.dataSync();
    expect(dTable.subarray(0, firstRow * d).every((v) => v === 0) && dTable.subarray((firstRow + c) * d).every((v) => v === 0)).toBe(true);
    expect(dTable.subarray(firstRow * d, (firstRow + c) * d).some((v) => v !== 0)).toBe(true);
  });

  it('truncated (dropLargest): the largest-loss share of the targets adds nothing to the loss or either gradient, the rest is the weighted loss divided by every target', () => {
    const rng = new Random(4);
    const [m, c, d] = [10, 7, 4];
    const h = tf.tensor2d(Float32Array.from({ length: m * d }, () => rng.next() * 4 - 2), [m, d]);
    const table = tf.tensor2d(Float32Array.from({ length: c * d }, () => rng.next() * 2 - 1), [c, d]);
    const picked = Int32Array.from({ length: m }, () => rng.int(c));
    const weights = Float32Array.from({ length: m }, () => rng.next() + 0.5);
    // each row's own loss, from single-row calls
    const nll = Array.from({ length: m }, (_, i) => classCrossEntropy(tf.slice(h, [i, 0], [1, d]) as tf.Tensor2D, { table, firstRow: 0, classes: c }, picked.subarray(i, i + 1), null).dataSync()[0] as number);
    const dropped = new Set(nll.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, i]) => i));
    const truncated = (a: tf.Tensor, b: tf.Tensor) => classCrossEntropy(a as tf.Tensor2D, { table: b, firstRow: 0, classes: c }, picked, weights, { dropLargest: 0.3, observe: (v) => { seen = Array.from(v); } });
    const kept = Float32Array.from(weights, (w, i) => (dropped.has(i) ? 0 : w));
    const reference = (a: tf.Tensor, b: tf.Tensor) => classCrossEntropy(a as tf.Tensor2D, { table: b, firstRow: 0, classes: c }, picked, kept);
    const expected = nll.reduce((sum, v, i) => sum + (dropped.has(i) ? 0 : (weights[i] as number) * v), 0) / m;
    let seen: number[] = [];
    expect(truncated(h, table).dataSync()[0]).toBeCloseTo(expected, 5);
    // observe sees every target's own loss, dropped ones included
    seen.forEach((v, i) => expect(v).toBeCloseTo(nll[i]!, 5));
    expect(seen).toHaveLength(m);
    const [gTruncated, gReference] = [tf.grads(truncated)([h, table]), tf.grads(reference)([h, table])];
    for (let k = 0; k < 2; k++) expect(Array.from(gTruncated[k]!.dataSync())).toEqual(Array.from(gReference[k]!.dataSync()));
    const dHidden = gTruncated[0]!.dataSync();
    for (const i of dropped) expect(Array.from(dHidden.subarray(i * d, (i + 1) * d)).every((v) => v === 0)).toBe(true);
  });

  it('rejects a class block outside its table', () => {
    const table = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => classCrossEntropy(tf.zeros([1, 2]) as tf.Tensor2D, { table, firstRow: 2, classes: 3 }, Int32Array.from([0]), null)).toThrow(/classes \[2, 5\) fall outside the table's 4 rows/);
  });
});
