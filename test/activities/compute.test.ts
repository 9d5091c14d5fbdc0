import { afterAll, describe, expect, it } from 'vitest';
import { computeBackend, deviceUsed } from '../../activities/compute';
import { setKernelsEnabled } from '../../shared/ml/wasm/kernels';

describe('computeBackend', () => {
  afterAll(() => setKernelsEnabled(true));

  it('records the tfjs backend of model steps, with the SIMD kernels when they run, and plain node for the rest', async () => {
    expect(await computeBackend('preprocess')).toEqual({ name: 'node', device: 'cpu' });
    expect((await computeBackend('pretrain')).name).toMatch(/^tfjs-(wasm|cpu|tensorflow)\+simd-kernels$|^tfjs-tensorflow$/);
    setKernelsEnabled(false);
    expect((await computeBackend('finetune')).name).toMatch(/^tfjs-(wasm|cpu|tensorflow)$/);
  });

  it('a WASM or CPU backend says the step ran on the CPU, whatever the process was pinned to', async () => {
    const backend = await computeBackend('pretrain');
    // on this host the GPU build of the native bindings is not installed
    expect(backend.device).toBe('cpu');
    expect(deviceUsed(backend, 'cuda:1')).toBe('cpu');
  });

  it('a GPU backend records the pinned device, or the first GPU when the worker is not pinned', () => {
    expect(deviceUsed({ name: 'tfjs-tensorflow', device: 'gpu' }, 'cuda:1')).toBe('cuda:1');
    expect(deviceUsed({ name: 'tfjs-tensorflow', device: 'gpu' }, 'cpu')).toBe('cuda:0');
    expect(deviceUsed({ name: 'node', device: 'cpu' }, 'cuda:0')).toBe('cpu');
  });
});
