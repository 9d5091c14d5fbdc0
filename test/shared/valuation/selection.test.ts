import { describe, expect, it } from 'vitest';
import { coverageSample, rankNormalize, selectImportant } from '../../../shared/valuation/selection';

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

  it('with strata, draws the keep share across equal-width bands of value: a small band whole, the rest shared evenly, the same for the same seed', () => {
    // 90 values in [0, 1), 10 outliers near 10: bands [0, 2.5), [5, 7.5)… of width 2.5 over [0, 10]
    const values = Float64Array.from({ length: 100 }, (_, i) => (i < 90 ? i / 90 : 9.9 + i / 1000));
    const s = selectImportant(values, { keep: 0.3, lambda: 0, strata: 4, seed: 5 });
    expect(s.important.length).toBe(30);
    // two non-empty bands: the outliers' 10 would be short of 15 each, so all ten are kept, the other band gives 20
    expect(Array.from(s.important).filter((i) => i >= 90)).toHaveLength(10);
    expect(Array.from(s.important).filter((i) => i < 90)).toHaveLength(20);
    // the top 30 by value would have taken the outliers and the 20 highest of the rest
    expect(Array.from(s.important).filter((i) => i < 90).every((i) => i >= 70)).toBe(false);
    expect(Array.from(selectImportant(values, { keep: 0.3, lambda: 0, strata: 4, seed: 5 }).important)).toEqual(Array.from(s.important));
    expect(Array.from(selectImportant(values, { keep: 0.3, lambda: 0, strata: 4, seed: 6 }).important)).not.toEqual(Array.from(s.important));
    expect(() => selectImportant(values, { threshold: 0.5, strata: 4 })).toThrow(/strata: strata draws the keep share across value bands; set keep, not threshold/);
  });

  it('draws every index when the budget is all of them, and one band when the values do not vary', () => {
    expect(Array.from(coverageSample(Float64Array.from([3, 1, 2]), 3, 5, 1))).toEqual([0, 1, 2]);
    expect(coverageSample(new Float64Array(8).fill(1), 4, 3, 1)).toHaveLength(4);
  });
});
