import { describe, expect, it } from 'vitest';
import { knnShapley } from '../../../shared/valuation/knn-shapley';
import type { LabelledEmbeddings } from '../../../shared/valuation/input';
import { gaussianClasses } from './synthetic';

/** KNN utility for one validation point: (1/K) Σ_{k ≤ min(K,|S|)} 1[y_(k) = y_t], ties → lower index. */
function knnUtility(subset: number[], train: LabelledEmbeddings, t: number, valid: LabelledEmbeddings, k: number): number {
  const d = train.emb.cols;
  const dist = (i: number): number => {
    let s = 0;
    for (let c = 0; c < d; c++) s += (train.emb.data[i * d + c]! - valid.emb.data[t * d + c]!) ** 2;
    return s;
  };
  const sorted = [...subset].sort((a, b) => dist(a) - dist(b) || a - b);
  let u = 0;
  for (let r = 0; r < Math.min(k, sorted.length); r++) if (train.labels[sorted[r]!] === valid.labels[t]) u += 1;
  return u / k;
}

/** Shapley values by enumerating every subset: φ_i = Σ_S |S|!(N−|S|−1)!/N! · (U(S∪{i}) − U(S)). */
function bruteForceShapley(train: LabelledEmbeddings, valid: LabelledEmbeddings, k: number): Float64Array {
  const n = train.emb.rows;
  const factorial = (x: number): number => (x <= 1 ? 1 : x * factorial(x - 1));
  const values = new Float64Array(n);
  for (let t = 0; t < valid.emb.rows; t++) {
    const utility = new Float64Array(1 << n);
    for (let mask = 0; mask < 1 << n; mask++) {
      const subset: number[] = [];
      for (let i = 0; i < n; i++) if (mask & (1 << i)) subset.push(i);
      utility[mask] = knnUtility(subset, train, t, valid, k);
    }
    for (let i = 0; i < n; i++) {
      for (let mask = 0; mask < 1 << n; mask++) {
        if (mask & (1 << i)) continue;
        let size = 0;
        for (let b = 0; b < n; b++) if (mask & (1 << b)) size++;
        const weight = (factorial(size) * factorial(n - size - 1)) / factorial(n);
        values[i]! += (weight * (utility[mask | (1 << i)]! - utility[mask]!)) / valid.emb.rows;
      }
    }
  }
  return values;
}

function expectClose(actual: Float64Array, expected: Float64Array, tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!), `index ${i}`).toBeLessThan(tolerance);
}

describe('knnShapley', () => {
  for (const backend of ['js', 'onnxruntime'] as const) {
    for (const [n, k] of [[10, 3], [7, 1], [9, 10 - 1], [6, 6]] as const) {
      it(`equals brute-force Shapley over every subset (N=${n}, K=${k}, ${backend})`, async () => {
        const train = gaussianClasses(n, 3, 100 + n + k, 1);
        const valid = gaussianClasses(4, 3, 200 + n + k, 1);
        const values = await knnShapley(train, valid, { k, threads: 1, backend });
        expectClose(values, bruteForceShapley(train, valid, k));
      });
    }
  }

  it('is efficient: values sum to U(all) − U(∅) averaged over validation points', async () => {
    const train = gaussianClasses(300, 5, 1);
    const valid = gaussianClasses(40, 5, 2);
    const k = 7;
    const values = await knnShapley(train, valid, { k, threads: 1, backend: 'js' });
    const all = Array.from({ length: 300 }, (_, i) => i);
    let expected = 0;
    for (let t = 0; t < 40; t++) expected += knnUtility(all, train, t, valid, k) / 40;
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(expected, 10);
  });

  it('breaks distance ties deterministically in favour of the lower training index', async () => {
    // rows 0 and 2 are identical with different labels: only the one ranked first (row 0) can
    // be the single nearest neighbour, so it takes all the credit for the validation point
    const emb = { rows: 3, cols: 2, data: new Float32Array([1, 1, 5, 5, 1, 1]) };
    const train = { emb, labels: new Int32Array([0, 1, 1]) };
    const valid = { emb: { rows: 1, cols: 2, data: new Float32Array([1, 1]) }, labels: new Int32Array([1]) };
    const onWarning = (): void => {};
    for (const backend of ['js', 'onnxruntime'] as const) {
      const values = await knnShapley(train, valid, { k: 1, threads: 1, backend, onWarning });
      expectClose(values, bruteForceShapley(train, valid, 1));
      const swapped = await knnShapley({ emb, labels: new Int32Array([1, 1, 0]) }, valid, { k: 1, threads: 1, backend, onWarning });
      expectClose(swapped, bruteForceShapley({ emb, labels: new Int32Array([1, 1, 0]) }, valid, 1));
      expect(values[0]).not.toBe(values[2]);
    }
  });

  it('gives the same values on worker threads as on the calling thread', async () => {
    const train = gaussianClasses(3000, 16, 3);
    const valid = gaussianClasses(61, 16, 4);
    for (const backend of ['js', 'onnxruntime'] as const) {
      const single = await knnShapley(train, valid, { k: 5, threads: 1, blockSize: 8, backend });
      const threaded = await knnShapley(train, valid, { k: 5, threads: 2, blockSize: 8, backend });
      expectClose(threaded, single, 1e-15);
    }
  });
});
