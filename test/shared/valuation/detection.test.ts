import { describe, expect, it } from 'vitest';
import { f1Score, lowerKMeansCluster, noiseDetectionAuc, noiseDetectionQuality } from '../../../shared/valuation/detection';

describe('noise detection quality', () => {
  it('AUC of −value is the fraction of (noisy, clean) pairs where the noisy value is lower', () => {
    // pairs (noisy, clean): (0.1,0.4) ✓ (0.1,0.3) ✓ (0.5,0.4) ✗ (0.5,0.3) ✗ → 2/4
    expect(noiseDetectionAuc(new Float64Array([0.1, 0.4, 0.5, 0.3]), new Uint8Array([1, 0, 1, 0]))).toBe(0.5);
    expect(noiseDetectionAuc(new Float64Array([0.1, 0.4, 0.2, 0.3]), new Uint8Array([1, 0, 1, 0]))).toBe(1);
    // one tie counts half: (0.3,0.3) ½, (0.3,0.9) ✓ → 0.75
    expect(noiseDetectionAuc(new Float64Array([0.3, 0.3, 0.9]), new Uint8Array([1, 0, 0]))).toBe(0.75);
  });

  it('k-means F1 predicts the lower of the two value clusters as noisy', () => {
    const values = new Float64Array([5, 0, 5.1, 0.1, 0.2]);
    expect(Array.from(lowerKMeansCluster(values))).toEqual([0, 1, 0, 1, 1]);
    // truth flags 0 and 0.1 only: tp 2, fp 1 (0.2), fn 0 → F1 = 4/5
    expect(noiseDetectionQuality(values, new Uint8Array([0, 1, 0, 1, 0])).kmeansF1).toBeCloseTo(0.8, 12);
    expect(f1Score(new Uint8Array([0, 0]), new Uint8Array([1, 0]))).toBe(0);
  });

  it('rejects ground truth of the wrong length or with one class', () => {
    expect(() => noiseDetectionAuc(new Float64Array(3), new Uint8Array(2))).toThrow(/noisy: has 2 flags for 3 values/);
    expect(() => noiseDetectionAuc(new Float64Array(3), new Uint8Array(3))).toThrow(/flags no example as noisy/);
  });
});
