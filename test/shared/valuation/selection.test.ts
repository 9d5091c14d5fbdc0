import { describe, expect, it } from 'vitest';
import { rankNormalize, selectImportant } from '../../../shared/valuation/selection';

describe('selectImportant', () => {
  it('rank-normalizes values to [0,1] with ties sharing their average rank', () => {
    expect(Array.from(rankNormalize(new Float64Array([10, -1, 3, 3, 1000])))).toEqual([0.75, 0, 0.375, 0.375, 1]);
  });

  it('keeps the top ⌈keep·N⌉ by value, quarantines the rest, and weights by 1 + λ·α·v̂', () => {
    const s = selectImportant(new Float64Array([0.2, 0.9, 0.1, 0.5, 0.7]), { keep: 0.5, lambda: 2, alpha: 0.5 });
    expect(Array.from(s.important)).toEqual([1, 3, 4]);
    expect(Array.from(s.quarantine)).toEqual([0, 2]);
    expect(Array.from(s.weights)).toEqual([1.25, 2, 1, 1.5, 1.75]);
  });

  it('breaks ties at the keep boundary by lower index, and keep = 1 keeps everything', () => {
    expect(Array.from(selectImportant(new Float64Array([1, 1, 1, 1]), { keep: 0.5 }).important)).toEqual([0, 1]);
    expect(selectImportant(new Float64Array([3, 1, 2]), { keep: 1 }).quarantine.length).toBe(0);
  });

  it('selects by a threshold on the normalized value', () => {
    expect(Array.from(selectImportant(new Float64Array([0.2, 0.9, 0.1, 0.5, 0.7]), { threshold: 0.5 }).important)).toEqual([1, 3, 4]);
  });

  it('rejects keep outside (0, 1], keep together with threshold, and non-finite values', () => {
    expect(() => selectImportant(new Float64Array([1, 2]), { keep: 0 })).toThrow(/config\.keep: keep must be in \(0, 1\]/);
    expect(() => selectImportant(new Float64Array([1, 2]), { keep: 1.5 })).toThrow(/config\.keep: keep must be in \(0, 1\]/);
    expect(() => selectImportant(new Float64Array([1, 2]), { keep: 0.5, threshold: 0.5 })).toThrow(/config\.keep: set keep or threshold/);
    expect(() => selectImportant(new Float64Array([1, NaN]), { keep: 0.5 })).toThrow(/values\[1\]: is NaN/);
  });
});
