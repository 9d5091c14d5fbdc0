import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../../../shared/ml/adam';
import { selectBackend } from '../../../shared/ml/backend';
import { OptimizerConfigSchema } from '../../../shared/ml/config';
import { Random } from '../../../shared/random';
import { setKernelsEnabled } from '../../../shared/ml/wasm/kernels';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

const cfg = OptimizerConfigSchema.parse({ lr: 0.1, clipNorm: 0 });

/** Plain Adam on numbers, the formula of the module header, for one element over a gradient sequence. */
function reference(w0: number, gradients: number[], c = cfg, epochs: number[] = []): number {
  let [w, m, v] = [w0, 0, 0];
  gradients.forEach((g, k) => {
    const t = k + 1;
    const lr = c.lr * c.lrDecayPerEpoch ** (epochs[k] ?? 0);
    m = c.beta1 * m + (1 - c.beta1) * g;
    v = c.beta2 * v + (1 - c.beta2) * g * g;
    w -= ((lr * Math.sqrt(1 - c.beta2 ** t)) / (1 - c.beta1 ** t)) * (m / (Math.sqrt(v) + c.epsilon)) + lr * c.weightDecay * w;
  });
  return w;
}

describe('Adam', () => {
  it('follows the Adam formula on touched rows and leaves all-zero-gradient rows (weights and moments) alone', () => {
    const table = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]));
    const adam = new Adam(cfg, new Map([['table', table]]));
    adam.apply(new Map([['table', tf.tensor2d([0.5, -1, 0, 0, 2, 0], [3, 2])]]));
    adam.apply(new Map([['table', tf.tensor2d([0.25, 0, 0, 0, -1, 0], [3, 2])]]));
    const w = table.dataSync();
    expect(w[0]).toBeCloseTo(reference(1, [0.5, 0.25]), 5);
    expect(w[1]).toBeCloseTo(reference(2, [-1, 0]), 5);
    expect([w[2], w[3]]).toEqual([3, 4]); // row 1 never had a gradient
    expect(w[4]).toBeCloseTo(reference(5, [2, -1]), 5);
    expect(w[5]).toBeCloseTo(reference(6, [0, 0]), 5); // a touched row's zero entry still moves with its momentum
    const moments = adam.exportState().moments;
    expect(Array.from(moments['m/table']!.data.subarray(2, 4))).toEqual([0, 0]);
  });

  it('with lazyRows off moves a row with no gradient this step by its momentum, as dense Adam does', () => {
    const dense = { ...cfg, lazyRows: false };
    const table = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    const adam = new Adam(dense, new Map([['table', table]]));
    adam.apply(new Map([['table', tf.tensor2d([0.5, -1, 0, 0], [2, 2])]]));
    adam.apply(new Map([['table', tf.tensor2d([0, 0, 0, 0], [2, 2])]]));
    const w = table.dataSync();
    expect(w[0]).toBeCloseTo(reference(1, [0.5, 0], dense), 5);
    expect(w[1]).toBeCloseTo(reference(2, [-1, 0], dense), 5);
    expect(w[0]).not.toBeCloseTo(reference(1, [0.5], dense), 3); // it did move on the second, all-zero step
    expect([w[2], w[3]]).toEqual([3, 4]); // never any momentum: dense Adam leaves it where it was
  });

  it('scales the learning rate by lrDecayPerEpoch once per epoch', () => {
    const decaying = { ...cfg, lrDecayPerEpoch: 0.5, weightDecay: 0.01 };
    const p = tf.variable(tf.tensor1d([1]));
    const adam = new Adam(decaying, new Map([['p', p]]));
    const steps: [number, number][] = [[0.5, 0], [-0.25, 0], [1, 1], [0.75, 2]]; // (gradient, epoch)
    for (const [g, epoch] of steps) adam.apply(new Map([['p', tf.tensor1d([g])]]), epoch);
    const w = p.dataSync()[0] as number;
    expect(w).toBeCloseTo(reference(1, steps.map(([g]) => g), decaying, steps.map(([, e]) => e)), 6);
    expect(w).not.toBeCloseTo(reference(1, steps.map(([g]) => g), decaying), 3); // a constant rate lands elsewhere
  });

  it('clips by the global norm over every parameter', () => {
    const a = tf.variable(tf.tensor1d([0, 0]));
    const b = tf.variable(tf.tensor1d([0]));
    const adam = new Adam({ ...cfg, clipNorm: 1 }, new Map([['a', a], ['b', b]]));
    const norm = adam.apply(new Map([['a', tf.tensor1d([3, 0])], ['b', tf.tensor1d([4])]]));
    expect(norm).toBeCloseTo(5, 6);
    // the first Adam step moves each touched entry by lr·sign(g) whatever the clip, so check the moments
    const m = adam.exportState().moments;
    expect(m['m/a']!.data[0]).toBeCloseTo((1 - cfg.beta1) * 3 / 5, 6);
    expect(m['m/b']!.data[0]).toBeCloseTo((1 - cfg.beta1) * 4 / 5, 6);
  });

  it('restores moments and step so a resumed optimizer repeats the uninterrupted one bit for bit', () => {
    const grads = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]];
    const run = (resumeAfter: number | null) => {
      let p = tf.variable(tf.tensor1d([1, -1]));
      let adam = new Adam(cfg, new Map([['p', p]]));
      grads.forEach((g, k) => {
        if (k === resumeAfter) {
          const state = adam.exportState();
          const weights = p.dataSync().slice();
          p = tf.variable(tf.tensor1d(weights));
          adam = new Adam(cfg, new Map([['p', p]]));
          adam.restoreState(state);
        }
        adam.apply(new Map([['p', tf.tensor1d(g)]]));
      });
      return Array.from(p.dataSync());
    };
    expect(run(2)).toEqual(run(null));
    expect(() => new Adam(cfg, new Map([['p', tf.variable(tf.tensor1d([1]))]])).restoreState({ step: 1, moments: {} })).toThrow(/lacks moment 'm\/p'/);
  });

  it('runs its sweeps in the SIMD kernels where they are built, with the JavaScript loops\' results bit for bit', () => {
    const rng = new Random(12);
    // odd widths and a vector leave the kernel's two-lane loop a tail; a zero row tests lazyRows
    const shapes: Record<string, number[]> = { table: [7, 5], matrix: [3, 64], bias: [3] };
    const gradients = Array.from({ length: 4 }, (_, step) =>
      Object.fromEntries(Object.entries(shapes).map(([name, shape]) => {
        const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 4 - 2);
        if (name === 'table') values.fill(0, 5 * (step % 7), 5 * (step % 7) + 5);
        return [name, values];
      })),
    );
    const run = (kernels: boolean, settings: Partial<typeof cfg>) => {
      setKernelsEnabled(kernels);
      try {
        const params = new Map(Object.entries(shapes).map(([name, shape]) => [name, tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), shape))]));
        const adam = new Adam({ ...cfg, ...settings }, params);
        const norms = gradients.map((g, step) => adam.apply(new Map(Object.entries(g).map(([name, v]) => [name, tf.tensor(v, shapes[name])])), step >> 1));
        return { norms, weights: [...params.values()].map((p) => Array.from(p.dataSync())), moments: adam.exportState().moments };
      } finally {
        setKernelsEnabled(true);
      }
    };
    for (const settings of [{ clipNorm: 1, weightDecay: 0.01, lrDecayPerEpoch: 0.8 }, { lazyRows: false }]) {
      const inKernels = run(true, settings);
      const inLoops = run(false, settings);
      expect(inKernels.norms).toEqual(inLoops.norms);
      expect(inKernels.weights).toEqual(inLoops.weights);
      expect(inKernels.moments).toEqual(inLoops.moments);
      expect(inKernels.weights[0]![0]).not.toBe(Math.sin(0)); // it moved
    }
  });
});

