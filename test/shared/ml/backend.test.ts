import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../shared/ml/backend';
import { checkWasmInternals, PINNED_TFJS_VERSION } from '../../../shared/ml/tfjs-internals';
import { kernelsNote } from '../../../shared/ml/wasm/kernels';

describe('selectBackend', () => {
  it('falls back from the absent native bindings to WASM, logs the choice and activates it', async () => {
    const lines: string[] = [];
    const choice = await selectBackend('tensorflow', (l) => lines.push(l));
    // @tensorflow/tfjs-node(-gpu) are optional and not installed on this host
    expect(choice).toEqual({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'cpu' });
    expect(tf.getBackend()).toBe('wasm');
    expect(lines.join('\n')).toMatch(/'tensorflow' is unavailable[\s\S]*tfjs backend: wasm/);
    // the project's setup builds the kernels, and the log says this run uses them
    expect(lines.join('\n')).toMatch(/tfjs backend: wasm .*; kernels: compiled \(.*build\/wasm\/kernels\.wasm\)/);
  });

  it('says when the kernels are not built, what runs instead and how to build them', () => {
    const note = kernelsNote({ enabled: true, built: false, path: '/checkout/build/wasm/kernels.wasm' });
    expect(note).toMatch(/not built — \/checkout\/build\/wasm\/kernels\.wasm is missing, so tfjs's own ops run instead/);
    expect(note).toMatch(/differ in rounding/);
    expect(note).toMatch(/bash infra\/setup\.sh/);
    expect(kernelsNote({ enabled: false, built: true, path: 'x' })).toMatch(/switched off/);
  });

  it('honours an explicit preference for the plain CPU backend', async () => {
    const choice = await selectBackend('cpu', () => undefined);
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('the WASM kernels this module replaces', () => {
  it('Slice gives the block asked for, contiguous or strided, int or float, and leaves its input as it was', async () => {
    await selectBackend('wasm', () => undefined);
    const table = tf.tensor2d(Float32Array.from({ length: 5 * 3 }, (_, i) => i), [5, 3]);
    expect(tf.slice(table, [1, 0], [3, 3]).arraySync()).toEqual([[3, 4, 5], [6, 7, 8], [9, 10, 11]]); // contiguous rows
    expect(tf.slice(table, [2, 0], [-1, -1]).arraySync()).toEqual([[6, 7, 8], [9, 10, 11], [12, 13, 14]]);
    expect(tf.slice(table, [1, 1], [2, 2]).arraySync()).toEqual([[4, 5], [7, 8]]); // strided: the stock kernel
    expect(tf.slice(tf.tensor1d([4, 5, 6, 7], 'int32'), [1], [2]).arraySync()).toEqual([5, 6]);
    expect(table.arraySync()[4]).toEqual([12, 13, 14]);
    // its gradient (a pad) still flows
    expect((tf.grad((x: tf.Tensor) => tf.sum(tf.slice(x, [1, 0], [1, 3])))(table).arraySync() as number[][])[1]).toEqual([1, 1, 1]);
  });
});

describe('checkWasmInternals', () => {
  it('passes on the pinned WASM backend, and names each missing field with the version to install on a backend without them', async () => {
    await selectBackend('wasm', () => undefined);
    expect(() => checkWasmInternals()).not.toThrow();
    // the CPU backend has none of the WASM backend's private fields: the check must name them
    await selectBackend('cpu', () => undefined);
    expect(() => checkWasmInternals()).toThrow(/the cpu backend of @tensorflow\/tfjs \S+ lacks internals .*backend\.wasm\.HEAPU8.*backend\.dataIdMap\.get.*install the version package\.json pins/);
    expect(PINNED_TFJS_VERSION).toBe(tf.version_core);
    await selectBackend('wasm', () => undefined);
  });
});
