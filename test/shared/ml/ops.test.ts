import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import { selectBackend } from '../../../shared/ml/backend';
import { gatherRows } from '../../../shared/ml/kernels/gather-rows';
import { matMul } from '../../../shared/ml/kernels/matmul';
import { setKernelsEnabled } from '../../../shared/ml/wasm/kernels';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(tol);
}

describe.each(['wasm', 'cpu'] as const)('gatherRows (%s backend: in the kernels on its heap, or on typed arrays)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => undefined);
  });
  afterAll(async () => {
    await selectBackend('wasm', () => undefined);
  });

  it('has the gradient of the dense one-hot product, summing repeated rows and leaving untouched rows zero', () => {
    const table = tf.tensor2d([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0, 1.1, 1.2, -1.3, 1.4, 1.5], [5, 3]);
    const ids = Int32Array.from([3, 0, 3, 1]); // row 3 twice, rows 2 and 4 never
    const upstream = tf.tensor2d([1, 2, 3, -1, 0.5, 0.25, 4, -2, 1, 0.3, 0.6, 0.9], [4, 3]);
    const sparse = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t, ids), upstream)))(table);
    // dense reference: lookup = onehot(ids) · table, gradient = onehot(ids)ᵀ · upstream
    const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), 5).toFloat();
    const dense = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(oneHot, t), upstream)))(table);
    close(sparse.dataSync(), dense.dataSync());
    const g = sparse.arraySync() as number[][];
    expect(g[2]).toEqual([0, 0, 0]);
    expect(g[4]).toEqual([0, 0, 0]);
    close(g[3] as number[], [1 + 4, 2 - 2, 3 + 1]);
    close(gatherRows(table, ids).dataSync(), tf.matMul(oneHot, table).dataSync());
  });

  it('reads a variable\'s current values after every assign (its copy is cached per version)', () => {
    const table = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    expect(Array.from(gatherRows(table, Int32Array.from([1, 0])).dataSync())).toEqual([3, 4, 1, 2]);
    table.assign(tf.tensor2d([5, 6, 7, 8], [2, 2]));
    expect(Array.from(gatherRows(table, Int32Array.from([1, 0])).dataSync())).toEqual([7, 8, 5, 6]);
  });

  it('names the offending id when one is outside the table', () => {
    expect(() => gatherRows(tf.zeros([2, 2]), Int32Array.from([0, 2]))).toThrow(/ids\[1\]=2 is outside the table's 2 rows/);
  });
});

describe('gatherRows in the heap kernels', () => {
  it('gives the rows and the gradient of the typed-array loops bit for bit (rows of 4 lanes and a tail)', () => {
    const rng = new Random(9);
    const [rows, cols, n] = [40, 6, 300];
    const table = tf.variable(tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.next() * 2 - 1), [rows, cols]));
    const ids = Int32Array.from({ length: n }, () => Math.floor(rng.next() * (rows - 3))); // the last rows never
    const upstream = tf.tensor2d(Float32Array.from({ length: n * cols }, () => rng.next() * 2 - 1), [n, cols]);
    const run = (): [number[], number[]] => {
      const [value, grad] = [gatherRows(table, ids), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t, ids), upstream)))(table)];
      return [Array.from(value.dataSync()), Array.from(grad.dataSync())];
    };
    const [kernelValue, kernelGrad] = run();
    setKernelsEnabled(false);
    try {
      const [loopValue, loopGrad] = run();
      expect(kernelValue).toEqual(loopValue);
      expect(kernelGrad).toEqual(loopGrad);
    } finally {
      setKernelsEnabled(true);
    }
    expect(kernelGrad.slice((rows - 3) * cols)).toEqual(new Array(3 * cols).fill(0));
    expect(kernelGrad.some((v) => v !== 0 && !Number.isInteger(v))).toBe(true);
  });
});

describe('matMul', () => {
  it('matches the stock matMul value and gradients for plain and batched operands', () => {
    for (const [sa, sb] of [[[4, 3], [3, 5]], [[2, 4, 3], [2, 3, 5]]] as const) {
      const a = tf.randomNormal([...sa], 0, 1, 'float32', 1);
      const b = tf.randomNormal([...sb], 0, 1, 'float32', 2);
      const w = tf.randomNormal([...sa.slice(0, -1), sb[sb.length - 1] as number], 0, 1, 'float32', 3);
      const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y), w)))([a, b]);
      const stock = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)))([a, b]);
      close(matMul(a, b).dataSync(), tf.matMul(a, b).dataSync(), 1e-4);
      close((ours[0] as tf.Tensor).dataSync(), (stock[0] as tf.Tensor).dataSync(), 1e-4);
      close((ours[1] as tf.Tensor).dataSync(), (stock[1] as tf.Tensor).dataSync(), 1e-4);
    }
  });
});
