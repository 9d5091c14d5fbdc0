import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import { attentionPath, qkvProjection, selfAttention, type AttentionShape, type QkvParts } from '../../../shared/ml/kernels/attention';
import { selectBackend } from '../../../shared/ml/backend';
import { biasGelu, layerNorm, linearGelu, residualAdd, residualLinear } from '../../../shared/ml/kernels/block-ops';
import { attentionOnOps, biasGeluOnOps, layerNormOnOps, residualAddOnOps } from '../../../shared/ml/kernels/reference';
import { blockDraw, dropoutFactors, dropoutFactorsTensor } from '../../../shared/ml/kernels/dropout';
import { matMul, swapLast } from '../../../shared/ml/kernels/matmul';
import { HEAP_KERNELS_WASM_PATH, heapKernels } from '../../../shared/ml/wasm/heap-kernels';
import { cpuKernels, KERNEL_FUNCTIONS, KERNELS_WASM_PATH, loadKernels, setKernelsEnabled, wasmKernels } from '../../../shared/ml/wasm/kernels';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

function uniform(rng: Random, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** Row b of the batch has b leading [PAD] positions (left padding, as the encoder's rows). */
function leftPadded(batch: number, len: number): Uint8Array {
  const pad = new Uint8Array(batch * len);
  for (let b = 0; b < batch; b++) pad.fill(1, b * len, b * len + Math.min(b, len - 1));
  return pad;
}

describe('the SIMD kernels', () => {
  it('are built by infra/setup.sh and run under the WASM backend', () => {
    expect(wasmKernels(), `no kernels at ${KERNELS_WASM_PATH}: run bash infra/setup.sh`).not.toBeNull();
    expect(heapKernels(), `no kernels at ${HEAP_KERNELS_WASM_PATH}: run bash infra/setup.sh`).not.toBeNull();
    expect(attentionPath({ dim: 16, heads: 2 })).toBe('wasm-simd-kernel');
    expect(attentionPath({ dim: 12, heads: 2 })).toBe('tfjs-ops'); // head width 6 is not a multiple of 4
  });

  it('export exactly the functions KERNEL_FUNCTIONS lists, the list KernelExports is checked against', () => {
    const dir = path.join(__dirname, '../../../shared/ml/wasm');
    const exported = readdirSync(dir)
      .filter((f) => f.endsWith('.as.ts'))
      .flatMap((f) => [...readFileSync(path.join(dir, f), 'utf8').matchAll(/^export function (\w+)/gm)].map((m) => m[1]!));
    expect(exported.sort()).toEqual([...KERNEL_FUNCTIONS].sort());
  });

  it('place no data of their own in the memory they import (it is the tfjs heap): no data section in the heap module', async () => {
    // e.g. AssemblyScript's Mathf.log brings lookup tables, which would overwrite tensors at low offsets
    const bytes = await readFile(HEAP_KERNELS_WASM_PATH);
    const sections: number[] = [];
    for (let at = 8; at < bytes.length; ) {
      const id = bytes[at++]!;
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[at++]!;
        size |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
      sections.push(id);
      at += size;
    }
    expect(sections).toContain(10); // the code section: the walk read the module
    expect(sections.filter((id) => id === 11 || id === 12)).toEqual([]);
  });

  it('name the file and the fix when the module is stale or broken', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assay-kernels-'));
    const empty = path.join(dir, 'empty.wasm');
    await writeFile(empty, Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)); // a valid module with no exports
    expect(() => loadKernels(empty)).toThrow(/empty\.wasm is out of date \(it lacks heapBase, attentionWorkBytes, attentionProbsFloats, attentionForward, .*memory\); rebuild it with `bash infra\/setup\.sh`/);
    const garbage = path.join(dir, 'garbage.wasm');
    await writeFile(garbage, 'not wasm');
    expect(() => loadKernels(garbage)).toThrow(/garbage\.wasm does not load .*bash infra\/setup\.sh/);
    await rm(dir, { recursive: true });
  });
});

describe.each(['wasm', 'cpu'] as const)('selfAttention (%s backend: the kernel on its heap, or copied into its memory)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => undefined);
  });
  afterAll(async () => {
    await selectBackend('wasm', () => undefined);
  });
  for (const causal of [false, true]) {
    it(`matches attention on tfjs ops, value and gradient (${causal ? 'causal' : 'bidirectional'}, left-padded rows)`, () => {
      const rng = new Random(causal ? 2 : 1);
      const shape: AttentionShape = { batch: 5, len: 7, dim: 16, heads: 2, causal };
      const rows = shape.batch * shape.len;
      const pad = leftPadded(shape.batch, shape.len);
      const qkv = tf.tensor2d(uniform(rng, rows * 3 * shape.dim), [rows, 3 * shape.dim]);
      const upstream = tf.tensor2d(uniform(rng, rows * shape.dim), [rows, shape.dim]);
      const loss = (fn: (t: tf.Tensor, p: Uint8Array, s: AttentionShape, d: null) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(fn(t, pad, shape, null), upstream));
      const kernel = selfAttention(qkv, null, pad, shape, null);
      const ops = attentionOnOps(qkv, pad, shape, null);
      expect(maxAbsDiff(kernel, ops)).toBeLessThan(1e-6);
      const gradKernel = tf.grad(loss((t) => selfAttention(t, null, pad, shape, null)))(qkv);
      const gradOps = tf.grad(loss(attentionOnOps))(qkv);
      expect(tf.max(tf.abs(gradOps)).dataSync()[0]).toBeGreaterThan(0.1);
      expect(maxAbsDiff(gradKernel, gradOps)).toBeLessThan(1e-5);
      if (causal) {
        // row 4 of the batch starts with 4 [PAD] queries: nothing to attend to, so zeros
        const out = kernel.arraySync() as number[][];
        expect(out[4 * shape.len]).toEqual(new Array(shape.dim).fill(0));
        expect(out[4 * shape.len + 4]!.some((v) => v !== 0)).toBe(true);
      }
    });
  }

  it('adds the Q|K|V bias itself, from its three parts: the values and gradients of attention on qkv + bias, the bias gradient bit for bit the WASM backend\'s column Sum', () => {
    const rng = new Random(4);
    const shape: AttentionShape = { batch: 3, len: 6, dim: 8, heads: 2, causal: true };
    const rows = shape.batch * shape.len;
    const pad = leftPadded(shape.batch, shape.len);
    const qkv = tf.tensor2d(uniform(rng, rows * 3 * shape.dim), [rows, 3 * shape.dim]);
    const parts = [0, 1, 2].map(() => tf.tensor1d(uniform(rng, shape.dim))) as unknown as QkvParts;
    const upstream = tf.tensor2d(uniform(rng, rows * shape.dim), [rows, shape.dim]);
    const dropout = { rate: 0.2, seed: 5 };
    const fused = (q: tf.Tensor, ...b: tf.Tensor[]) => tf.sum(tf.mul(selfAttention(q, b as unknown as QkvParts, pad, shape, dropout), upstream));
    const added = (q: tf.Tensor, ...b: tf.Tensor[]) => tf.sum(tf.mul(selfAttention(tf.add(q, tf.concat(b)), null, pad, shape, dropout), upstream));
    expect(maxAbsDiff(selfAttention(qkv, parts, pad, shape, dropout), selfAttention(tf.add(qkv, tf.concat([...parts])), null, pad, shape, dropout))).toBe(0);
    const [dq, ...db] = tf.grads(fused)([qkv, ...parts]);
    const [dqRef, ...dbRef] = tf.grads(added)([qkv, ...parts]);
    expect(Array.from(dq!.dataSync())).toEqual(Array.from(dqRef!.dataSync()));
    for (let part = 0; part < 3; part++) {
      // the CPU backend's Sum adds in another order than the WASM backend's, which the kernel follows
      if (backend === 'wasm') expect(Array.from(db[part]!.dataSync())).toEqual(Array.from(dbRef[part]!.dataSync()));
      else expect(maxAbsDiff(db[part]!, dbRef[part]!)).toBeLessThan(1e-6);
      // K's bias shifts all of a query's scores alike, which the softmax ignores: its gradient is ~0
      if (part !== 1) expect(tf.max(tf.abs(db[part]!)).dataSync()[0]).toBeGreaterThan(0.01);
    }
    expect(() => selfAttention(qkv, [parts[0], tf.zeros([5]), parts[2]], pad, shape, null)).toThrow(/a bias part is \[5\], expected \[8\]/);
  });

  it('attends row blocks of different lengths in one call, each as it would be alone (its own dropout stream)', () => {
    const rng = new Random(12);
    const [dim, heads] = [8, 2];
    const blocks = [{ batch: 3, len: 7 }, { batch: 2, len: 5 }];
    const rows = 3 * 7 + 2 * 5;
    // the second block's padding unlike the first's: its first row three [PAD]s, its second none
    const pad = new Uint8Array([...leftPadded(3, 7), 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const qkv = tf.tensor2d(uniform(rng, rows * 3 * dim), [rows, 3 * dim]);
    const parts = [0, 1, 2].map(() => tf.tensor1d(uniform(rng, dim))) as unknown as QkvParts;
    const upstream = tf.tensor2d(uniform(rng, rows * dim), [rows, dim]);
    const dropout = { rate: 0.2, seed: 9 };
    for (const causal of [false, true]) {
      const together = (q: tf.Tensor, ...b: tf.Tensor[]) => selfAttention(q, b as unknown as QkvParts, pad, { blocks, dim, heads, causal }, dropout);
      const apart = (q: tf.Tensor, ...b: tf.Tensor[]) =>
        tf.concat(
          blocks.map(({ batch, len }, i) => {
            const start = i === 0 ? 0 : 21;
            return selfAttention(tf.slice(q, [start, 0], [batch * len, 3 * dim]), b as unknown as QkvParts, pad.subarray(start, start + batch * len), { batch, len, dim, heads, causal }, blockDraw(dropout, i));
          }),
        );
      expect(Array.from(together(qkv, ...parts).dataSync())).toEqual(Array.from(apart(qkv, ...parts).dataSync()));
      const loss = (fn: typeof together) => (q: tf.Tensor, ...b: tf.Tensor[]) => tf.sum(tf.mul(fn(q, ...b), upstream));
      const [got, want] = [tf.grads(loss(together))([qkv, ...parts]), tf.grads(loss(apart))([qkv, ...parts])];
      expect(Array.from(got[0]!.dataSync())).toEqual(Array.from(want[0]!.dataSync()));
      for (let i = 1; i < 4; i++) expect(maxAbsDiff(got[i]!, want[i]!)).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(want[0]!)).dataSync()[0]).toBeGreaterThan(0.01);
      // and the tfjs-ops form takes the blocks the same way
      const undropped = () => selfAttention(qkv, parts, pad, { blocks, dim, heads, causal }, null);
      const kernel = undropped();
      setKernelsEnabled(false);
      try {
        expect(maxAbsDiff(undropped(), kernel)).toBeLessThan(1e-6);
      } finally {
        setKernelsEnabled(true);
      }
    }
  });

  it('projects x onto the three weights as matMul(x, concat(weights)) does, value and gradients bit for bit', () => {
    const rng = new Random(6);
    const [rows, dim] = [13, 8];
    const x = tf.tensor2d(uniform(rng, rows * dim), [rows, dim]);
    const weights = [0, 1, 2].map(() => tf.tensor2d(uniform(rng, dim * dim), [dim, dim]));
    const upstream = tf.tensor2d(uniform(rng, rows * 3 * dim), [rows, 3 * dim]);
    const fused = (a: tf.Tensor, ...w: tf.Tensor[]) => tf.sum(tf.mul(qkvProjection(a, w as unknown as QkvParts), upstream));
    const joined = (a: tf.Tensor, ...w: tf.Tensor[]) => tf.sum(tf.mul(matMul(a, tf.concat(w, 1)), upstream));
    expect(Array.from(qkvProjection(x, weights as unknown as QkvParts).dataSync())).toEqual(Array.from(matMul(x, tf.concat(weights, 1)).dataSync()));
    const got = tf.grads(fused)([x, ...weights]);
    const want = tf.grads(joined)([x, ...weights]);
    for (let i = 0; i < 4; i++) {
      expect(tf.max(tf.abs(want[i]!)).dataSync()[0]).toBeGreaterThan(0.01);
      expect(Array.from(got[i]!.dataSync())).toEqual(Array.from(want[i]!.dataSync()));
    }
    expect(() => qkvProjection(x, [weights[0]!, tf.zeros([dim, 4]), weights[2]!])).toThrow(/a weight is \[8,4\], expected \[8,8\]/);
  });

  it('drops probabilities with a seeded mask: same seed, same output; its gradient matches finite differences', () => {
    const rng = new Random(3);
    const shape: AttentionShape = { batch: 2, len: 6, dim: 8, heads: 2, causal: false };
    const rows = shape.batch * shape.len;
    const pad = new Uint8Array(rows);
    const values = uniform(rng, rows * 3 * shape.dim);
    const upstream = tf.tensor2d(uniform(rng, rows * shape.dim), [rows, shape.dim]);
    const dropout = { rate: 0.3, seed: 7 };
    const f = (v: Float32Array) => tf.tidy(() => tf.sum(tf.mul(selfAttention(tf.tensor2d(v, [rows, 3 * shape.dim]), null, pad, shape, dropout), upstream)).dataSync()[0] as number);
    const qkv = tf.tensor2d(values, [rows, 3 * shape.dim]);
    const a = selfAttention(qkv, null, pad, shape, dropout);
    expect(maxAbsDiff(a, selfAttention(qkv, null, pad, shape, dropout))).toBe(0);
    expect(maxAbsDiff(a, selfAttention(qkv, null, pad, shape, { rate: 0.3, seed: 8 }))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a, selfAttention(qkv, null, pad, shape, null))).toBeGreaterThan(1e-3);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(selfAttention(t, null, pad, shape, dropout), upstream)))(qkv).dataSync();
    const h = 1e-2;
    for (const i of [0, 5, 3 * shape.dim + 9, 2 * shape.dim + 1, 7 * 3 * shape.dim + 20, rows * 3 * shape.dim - 1]) {
      const plus = Float32Array.from(values);
      const minus = Float32Array.from(values);
      plus[i] = (plus[i] as number) + h;
      minus[i] = (minus[i] as number) - h;
      expect(Math.abs((f(plus) - f(minus)) / (2 * h) - (grad[i] as number))).toBeLessThan(2e-3);
    }
  });

  it.each([0.25, 0.6])('drops about `rate` of the probabilities (rate %s)', (rate) => {
    const shape: AttentionShape = { batch: 1, len: 64, dim: 4, heads: 1, causal: false };
    // identical keys make every probability 1/len; V = 1 makes each output the row's kept mass
    const qkv = tf.tensor2d(new Float32Array(64 * 12).fill(1), [64, 12]);
    const out = selfAttention(qkv, null, new Uint8Array(64), shape, { rate, seed: 11 }).dataSync();
    let kept = 0;
    for (let r = 0; r < 64; r++) kept += (out[r * 4] as number) * (1 - rate); // kept fraction of row r
    expect(Math.abs(kept / 64 - (1 - rate))).toBeLessThan(0.05);
  });

  it('names a qkv or pad array of the wrong size', () => {
    const shape: AttentionShape = { batch: 2, len: 3, dim: 8, heads: 2, causal: false };
    expect(() => selfAttention(tf.zeros([6, 16]), null, new Uint8Array(6), shape, null)).toThrow(/qkv is \[6,16\], expected \[6,24\]/);
    expect(() => selfAttention(tf.zeros([6, 24]), null, new Uint8Array(5), shape, null)).toThrow(/5 \[PAD\] flags for 6 positions/);
  });
});

describe.each(['wasm', 'cpu'] as const)('layerNorm and biasGelu (%s backend: the kernels on its heap, or copied into theirs)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => undefined);
  });
  afterAll(async () => {
    await selectBackend('wasm', () => undefined);
  });
  it('match their tfjs-ops forms, value and every gradient', () => {
    const rng = new Random(5);
    const [rows, cols] = [9, 12];
    const x = tf.tensor2d(uniform(rng, rows * cols).map((v) => 3 * v + 1), [rows, cols]);
    const gamma = tf.tensor1d(uniform(rng, cols));
    const beta = tf.tensor1d(uniform(rng, cols));
    const upstream = tf.tensor2d(uniform(rng, rows * cols), [rows, cols]);
    expect(maxAbsDiff(layerNorm(x, gamma, beta), layerNormOnOps(x, gamma, beta))).toBeLessThan(1e-5);
    const lnGrads = (fn: typeof layerNorm) => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(a, g, b), upstream)))([x, gamma, beta]);
    lnGrads(layerNorm).forEach((g, i) => expect(maxAbsDiff(g, lnGrads(layerNormOnOps)[i]!)).toBeLessThan(1e-5));

    expect(maxAbsDiff(biasGelu(x, gamma), biasGeluOnOps(x, gamma))).toBeLessThan(1e-5);
    const geluGrads = (fn: typeof biasGelu) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(a, b), upstream)))([x, gamma]);
    geluGrads(biasGelu).forEach((g, i) => expect(maxAbsDiff(g, geluGrads(biasGeluOnOps)[i]!)).toBeLessThan(1e-5));
  });

  it('fuse a product into GELU and into the residual step with the composed ops\' values and gradients bit for bit', () => {
    const rng = new Random(7);
    const [rows, k, n] = [11, 8, 12];
    const h = tf.tensor2d(uniform(rng, rows * k), [rows, k]);
    const w = tf.tensor2d(uniform(rng, k * n), [k, n]);
    const b = tf.tensor1d(uniform(rng, n));
    const x = tf.tensor2d(uniform(rng, rows * n), [rows, n]);
    const upstream = tf.tensor2d(uniform(rng, rows * n), [rows, n]);
    const draw = { rate: 0.25, seed: 31 };
    const same = (fused: (...t: tf.Tensor[]) => tf.Tensor, composed: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) => {
      expect(Array.from(fused(...inputs).dataSync())).toEqual(Array.from(composed(...inputs).dataSync()));
      const loss = (fn: typeof fused) => (...t: tf.Tensor[]) => tf.sum(tf.mul(fn(...t), upstream));
      const [got, want] = [tf.grads(loss(fused))(inputs), tf.grads(loss(composed))(inputs)];
      want.forEach((g, i) => {
        expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0.01);
        expect(Array.from(got[i]!.dataSync())).toEqual(Array.from(g.dataSync()));
      });
    };
    same((a, c, d) => linearGelu(a!, c!, d!), (a, c, d) => biasGelu(matMul(a!, c!), d!), [h, w, b]);
    for (const d of [null, draw]) same((r, a, c, e) => residualLinear(r!, a!, c!, e!, d), (r, a, c, e) => residualAdd(r!, matMul(a!, c!), e!, d), [x, h, w, b]);
  });
});

describe.each(['wasm', 'cpu'] as const)('dropoutFactorsTensor (%s backend: the kernels on its heap, or copied into theirs)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => undefined);
  });
  afterAll(async () => {
    await selectBackend('wasm', () => undefined);
  });
  it('draws, in the kernel, the factors of the JS stream bit for bit', () => {
    expect(cpuKernels()).not.toBeNull();
    for (const [rate, seed] of [[0.1, 12345], [0.2, 4294967295], [0.5, 0], [0.9, 77]] as const) {
      const reference = dropoutFactors(1003, { rate, seed });
      const drawn = dropoutFactorsTensor([17, 59], { rate, seed });
      expect(drawn.shape).toEqual([17, 59]);
      expect(Array.from(drawn.dataSync())).toEqual(Array.from(reference));
      // the rate is honoured: about `rate` of the factors are 0, the rest 1/(1 − rate)
      const zeros = reference.filter((f) => f === 0).length / reference.length;
      expect(Math.abs(zeros - rate)).toBeLessThan(0.05);
      expect(reference.find((f) => f !== 0)).toBeCloseTo(1 / (1 - rate), 6);
    }
  });
});

describe.each(['wasm', 'cpu'] as const)('residualAdd (%s backend: the kernels on its heap, or copied into theirs)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => undefined);
  });
  afterAll(async () => {
    await selectBackend('wasm', () => undefined);
  });
  it('gives the values and gradients of its tfjs-ops form bit for bit, with and without dropout', () => {
    const rng = new Random(9);
    const [rows, cols] = [13, 10];
    const x = tf.tensor2d(uniform(rng, rows * cols), [rows, cols]);
    const y = tf.tensor2d(uniform(rng, rows * cols).map((v) => 5 * v), [rows, cols]);
    const bias = tf.tensor1d(uniform(rng, cols));
    const upstream = tf.tensor2d(uniform(rng, rows * cols), [rows, cols]);
    // bit for bit against the WASM backend's kernels; the CPU backend's own ops (JS arithmetic) differ in the last bit
    const same = (a: tf.Tensor, b: tf.Tensor) => {
      const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
      if (backend === 'wasm') expect(bits(a)).toEqual(bits(b));
      else expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    };
    for (const draw of [null, { rate: 0.3, seed: 4242 }]) {
      same(residualAdd(x, y, bias, draw), residualAddOnOps(x, y, bias, draw));
      const grads = (fn: typeof residualAdd) => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fn(a, b, c, draw), upstream)))([x, y, bias]);
      const [kernel, ops] = [grads(residualAdd), grads(residualAddOnOps)];
      kernel.forEach((g, i) => same(g, ops[i]!));
    }
    // dropout zeroes about `rate` of the branch: those positions are x alone
    const dropped = tf.sub(residualAdd(x, y, bias, { rate: 0.3, seed: 1 }), x).dataSync();
    const zeros = Array.from(dropped).filter((v) => v === 0).length / dropped.length;
    expect(zeros).toBeGreaterThan(0.15);
    expect(zeros).toBeLessThan(0.45);
  });
});

describe('the backward-pass products (matMulTN, matMulNN)', () => {
  // shapes with edges off the 4 × 8 blocks (rows in 1 × 8 blocks, four columns in a 4 × 4 one,
  // the rest one at a time), and sums longer than one L2 slab (512 KB of the streamed operand)
  it.each([
    [7, 5, 3],
    [300, 13, 1000],
    [2100, 9, 64],
    [50, 6, 14],
    [64, 11, 1685],
  ])('give aᵀ·b and a·b of tfjs matMul bit for bit (rows %i, m %i, n %i)', (rows, m, n) => {
    const kernels = wasmKernels()!;
    const rng = new Random(rows);
    const a = uniform(rng, rows * m);
    const b = uniform(rng, rows * n);
    const [aAt, bAt, tnAt, nnAt] = kernels.place([a, b, m * n * 4, m * n * 4]) as [number, number, number, number];
    kernels.exports.matMulTN(aAt, bAt, tnAt, rows, m, n);
    // a read as [m × rows] is a different matrix of the same values: a·b with k = rows
    kernels.exports.matMulNN(aAt, bAt, nnAt, m, rows, n);
    const tn = tf.matMul(tf.transpose(tf.tensor2d(a, [rows, m])), tf.tensor2d(b, [rows, n]));
    const nn = tf.matMul(tf.tensor2d(a, [m, rows]), tf.tensor2d(b, [rows, n]));
    expect(Array.from(kernels.view(tnAt, m * n))).toEqual(Array.from(tn.dataSync()));
    expect(Array.from(kernels.view(nnAt, m * n))).toEqual(Array.from(nn.dataSync()));
    // the same module on the backend's own memory, reading and writing tensors in place
    const inHeap = heapKernels()!;
    const [ta, tb] = [tf.tensor2d(a, [rows, m]), tf.tensor2d(b, [rows, n])];
    const [tnOut, nnOut] = [inHeap.output([m, n]), inHeap.output([m, n])];
    inHeap.exports.matMulTN(inHeap.at(ta), inHeap.at(tb), tnOut.at, rows, m, n);
    inHeap.exports.matMulNN(inHeap.at(ta), inHeap.at(tb), nnOut.at, m, rows, n);
    expect(Array.from(tnOut.tensor.dataSync())).toEqual(Array.from(tn.dataSync()));
    expect(Array.from(nnOut.tensor.dataSync())).toEqual(Array.from(nn.dataSync()));
    expect(Array.from(ta.dataSync())).toEqual(Array.from(a));
    expect(Array.from(swapLast(ta).dataSync())).toEqual(Array.from(tf.transpose(ta).dataSync()));
  });

  it('run on the backend\'s memory only where they may: not with the kernels off, not under the CPU backend', async () => {
    setKernelsEnabled(false);
    expect(heapKernels()).toBeNull();
    setKernelsEnabled(true);
    await selectBackend('cpu', () => undefined);
    expect(heapKernels()).toBeNull();
    await selectBackend('wasm', () => undefined);
    expect(heapKernels()).not.toBeNull();
  });
});
