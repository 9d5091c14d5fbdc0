import { afterAll, describe, expect, it } from 'vitest';
import { computeBackendName } from '../../activities/compute';
import { setKernelsEnabled } from '../../shared/ml/wasm/kernels';

describe('computeBackendName', () => {
  afterAll(() => setKernelsEnabled(true));

  it('records the tfjs backend of model steps, with the SIMD kernels when they run, and plain node for the rest', async () => {
    expect(await computeBackendName('preprocess')).toBe('node');
    expect(await computeBackendName('pretrain')).toMatch(/^tfjs-(wasm|cpu|tensorflow)\+simd-kernels$|^tfjs-tensorflow$/);
    setKernelsEnabled(false);
    expect(await computeBackendName('finetune')).toMatch(/^tfjs-(wasm|cpu|tensorflow)$/);
  });
});
