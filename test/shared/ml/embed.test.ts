import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import { selectBackend } from '../../../shared/ml/backend';
import { blockDraw } from '../../../shared/ml/kernels/dropout';
import { embedInputs, type EmbedShape } from '../../../shared/ml/kernels/embed';
import { embedOnOps } from '../../../shared/ml/kernels/reference';

afterAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe.each(['wasm', 'cpu'] as const)('embedInputs (%s backend: the kernel op against its tfjs-ops form)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => undefined);
  });

  it.each([
    ['no scale, no dropout', 1, null],
    ['√dim and dropout 0.3', Math.sqrt(8), { rate: 0.3, seed: 17 }],
  ] as const)('gives the rows and both gradients of the ops (%s)', (_, scale, draw) => {
    const rng = new Random(5);
    const [rows, dim, maxLen, batch, len] = [11, 8, 9, 4, 6];
    const table = tf.tensor2d(Float32Array.from({ length: rows * dim }, () => rng.next() * 2 - 1), [rows, dim]);
    const position = tf.tensor2d(Float32Array.from({ length: maxLen * dim }, () => rng.next() * 2 - 1), [maxLen, dim]);
    const ids = Int32Array.from({ length: batch * len }, () => Math.floor(rng.next() * (rows - 2))); // the last rows never
    const upstream = tf.tensor2d(Float32Array.from({ length: batch * len * dim }, () => rng.next() * 2 - 1), [batch * len, dim]);
    const shape = { batch, len, scale };
    const grads = (fn: (t: tf.Tensor, p: tf.Tensor, i: Int32Array, s: EmbedShape, d: typeof draw) => tf.Tensor) => tf.grads((t: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(fn(t, p, ids, shape, draw), upstream)))([table, position]);
    const [kernel, ops] = [embedInputs(table, position, ids, shape, draw), embedOnOps(table, position, ids, shape, draw)];
    expect(Array.from(kernel.dataSync())).toEqual(Array.from(ops.dataSync()));
    const [[dTable, dPos], [dTableOps, dPosOps]] = [grads(embedInputs), grads(embedOnOps)];
    expect(Array.from(dTable!.dataSync())).toEqual(Array.from(dTableOps!.dataSync()));
    // the positions' gradient sums over the batch; tfjs's Sum may add in another order
    expect(tf.max(tf.abs(tf.sub(dPos!, dPosOps!))).dataSync()[0]).toBeLessThan(1e-6);
    const posRows = dPos!.arraySync() as number[][];
    expect(posRows.slice(0, maxLen - len).flat().every((v) => v === 0)).toBe(true); // rows left of the window
    expect(posRows[maxLen - 1]!.some((v) => v !== 0)).toBe(true);
    expect((dTable!.arraySync() as number[][]).slice(rows - 2).flat().every((v) => v === 0)).toBe(true);
    if (draw) expect(Array.from(kernel.dataSync()).filter((v) => v === 0).length).toBeGreaterThan(0);
  });

  it('embeds row blocks of different lengths at once, each as it would be alone (its positions, its dropout stream)', () => {
    const rng = new Random(8);
    const [rows, dim, maxLen] = [13, 8, 9];
    const blocks = [{ batch: 3, len: 6 }, { batch: 2, len: 4 }];
    const scale = Math.sqrt(dim);
    const draw = { rate: 0.3, seed: 23 };
    const table = tf.tensor2d(Float32Array.from({ length: rows * dim }, () => rng.next() * 2 - 1), [rows, dim]);
    const position = tf.tensor2d(Float32Array.from({ length: maxLen * dim }, () => rng.next() * 2 - 1), [maxLen, dim]);
    const ids = Int32Array.from({ length: 3 * 6 + 2 * 4 }, () => rng.int(rows));
    const upstream = tf.tensor2d(Float32Array.from({ length: ids.length * dim }, () => rng.next() * 2 - 1), [ids.length, dim]);
    const together = (t: tf.Tensor, p: tf.Tensor) => embedInputs(t, p, ids, { blocks, scale }, draw);
    const apart = (t: tf.Tensor, p: tf.Tensor) =>
      tf.concat([embedInputs(t, p, ids.subarray(0, 18), { ...blocks[0]!, scale }, blockDraw(draw, 0)), embedInputs(t, p, ids.subarray(18), { ...blocks[1]!, scale }, blockDraw(draw, 1))]);
    expect(Array.from(together(table, position).dataSync())).toEqual(Array.from(apart(table, position).dataSync()));
    const grads = (fn: typeof together) => tf.grads((t: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(fn(t, p), upstream)))([table, position]);
    const [got, want] = [grads(together), grads(apart)];
    for (let i = 0; i < 2; i++) {
      expect(tf.max(tf.abs(want[i]!)).dataSync()[0]).toBeGreaterThan(0.1);
      expect(tf.max(tf.abs(tf.sub(got[i]!, want[i]!))).dataSync()[0]).toBeLessThan(1e-6);
    }
    // the second block's dropout is not the first's
    expect(blockDraw(draw, 1)!.seed).not.toBe(draw.seed);
    expect(() => embedInputs(table, position, ids.subarray(1), { blocks, scale }, null)).toThrow(/25 ids for Σ batch×len = 26/);
  });

  it('names the offending id and a window longer than the positions', () => {
    const [table, position] = [tf.zeros([3, 4]), tf.zeros([5, 4])];
    expect(() => embedInputs(table, position, Int32Array.from([0, 3]), { batch: 1, len: 2, scale: 1 }, null)).toThrow(/ids\[1\]=3 is outside the table's 3 rows/);
    expect(() => embedInputs(table, position, new Int32Array(6), { batch: 1, len: 6, scale: 1 }, null)).toThrow(/length 6 exceeds the 5 position rows/);
  });
});
