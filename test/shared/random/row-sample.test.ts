import { describe, expect, it } from 'vitest';
import { seededRowSample, Sfc32 } from '../../../shared/random';

describe('seededRowSample', () => {
  it('draws distinct rows from the valuation stream, in increasing order, the same for a seed', () => {
    const a = seededRowSample(1000, 50, 7);
    expect(Array.from(a)).toEqual(Array.from(seededRowSample(1000, 50, 7)));
    expect(new Set(a).size).toBe(50);
    expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y));
    expect(Array.from(a)).toEqual(Array.from(new Sfc32(7).sampleIndices(1000, 50)).sort((x, y) => x - y));
    expect(Array.from(seededRowSample(1000, 50, 8))).not.toEqual(Array.from(a));
  });

  it('gives every row when asked for as many or more', () => {
    expect(Array.from(seededRowSample(5, 50, 7))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(seededRowSample(5, 5, 7))).toEqual([0, 1, 2, 3, 4]);
  });
});
