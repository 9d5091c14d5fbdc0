import { describe, expect, it } from 'vitest';
import { invertSpd } from '../../../../shared/eval/baselines/spd-inverse';
import { gaussJordanInverse, seededRandom } from './tiny-data';

describe('invertSpd', () => {
  it.each([1, 2, 5, 37, 64])('matches Gauss–Jordan on a random SPD matrix of size %i', (n) => {
    const random = seededRandom(n);
    // A = MᵀM + I is symmetric positive definite.
    const m = Float64Array.from({ length: n * n }, () => random() - 0.5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = i === j ? 1 : 0;
        for (let k = 0; k < n; k++) sum += m[k * n + i]! * m[k * n + j]!;
        a[i * n + j] = sum;
      }
    }
    const copy = Float64Array.from(a);
    const inverse = invertSpd(a, n);
    const reference = gaussJordanInverse(a, n);
    for (let p = 0; p < n * n; p++) expect(inverse[p]).toBeCloseTo(reference[p]!, 10);
    expect(a).toEqual(copy);
  });

  it('reports a matrix that is not positive definite with the pivot and a remedy', () => {
    expect(() => invertSpd(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite \(pivot 1.*increase the ridge/);
  });
});
