import { describe, expect, it } from 'vitest';
import { binSide, defaultBinCount, histogramBins, histogramRows } from '../../../../shared/report/charts/value-histogram';

describe('histogramBins', () => {
  it('splits [min, max] into equal-width bins and counts each value once (hand-computed)', () => {
    // values 0..9 in 5 bins of width 1.8: [0,1.8) {0,1} [1.8,3.6) {2,3} [3.6,5.4) {4,5} [5.4,7.2) {6,7} [7.2,9] {8,9}
    const bins = histogramBins([9, 0, 1, 2, 3, 4, 5, 6, 7, 8], 5);
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2, 2, 2]);
    expect(bins[0]?.start).toBe(0);
    expect(bins[1]?.start).toBeCloseTo(1.8, 12);
    expect(bins[4]?.end).toBe(9);
  });

  it('counts the maximum in the last bin and keeps bins contiguous', () => {
    const bins = histogramBins(new Float32Array([-1, -0.5, 0, 0.5, 1, 1, 1]), 4);
    expect(bins.map((b) => b.count)).toEqual([1, 1, 1, 4]);
    for (let i = 1; i < bins.length; i++) expect(bins[i]?.start).toBe(bins[i - 1]?.end);
  });

  it('puts equal values into one bin of visible width centred on them', () => {
    const bins = histogramBins([0.25, 0.25, 0.25]);
    expect(bins).toHaveLength(1);
    expect(bins[0]?.count).toBe(3);
    expect(bins[0]!.start).toBeLessThan(0.25);
    expect(bins[0]!.end).toBeGreaterThan(0.25);
  });

  it('returns no bins for no values', () => {
    expect(histogramBins([])).toEqual([]);
  });

  it('uses sqrt(n) bins between 10 and 50', () => {
    expect(defaultBinCount(4)).toBe(10);
    expect(defaultBinCount(400)).toBe(20);
    expect(defaultBinCount(1_000_000)).toBe(50);
  });
});

describe('histogram rows', () => {
  it('colours a bin by the side of the threshold its midpoint falls on', () => {
    expect(binSide({ start: 0, end: 1, count: 1 }, 0.4)).toBe('kept');
    expect(binSide({ start: 0, end: 1, count: 1 }, 0.6)).toBe('quarantined');
    expect(binSide({ start: 0, end: 1, count: 1 }, undefined)).toBe('no threshold');
  });

  it('uses pre-computed bins as given when a method supplies them', () => {
    const rows = histogramRows({ method: 'data-oob', bins: [{ start: 0, end: 0.5, count: 3 }, { start: 0.5, end: 1, count: 9 }], threshold: 0.5 });
    expect(rows).toEqual([
      { method: 'data-oob', start: 0, end: 0.5, count: 3, side: 'quarantined' },
      { method: 'data-oob', start: 0.5, end: 1, count: 9, side: 'kept' },
    ]);
  });

  it('bins raw values when given and keeps every example', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const rows = histogramRows({ method: 'knn-shapley', values });
    expect(rows.reduce((s, r) => s + r.count, 0)).toBe(1000);
    expect(rows).toHaveLength(defaultBinCount(1000));
  });
});
