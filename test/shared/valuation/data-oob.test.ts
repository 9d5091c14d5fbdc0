import { describe, expect, it } from 'vitest';
import { dataOob } from '../../../shared/valuation/data-oob';
import { gaussianClasses } from './synthetic';

describe('dataOob', () => {
  it('scores 0 for flipped labels and 1 for clean ones when every bag predicts the cluster class', async () => {
    // clusters 20σ apart: any bag's classifier follows its cluster's majority, so out-of-bag
    // correctness is exactly 1 for clean examples and exactly 0 for flipped ones
    const train = gaussianClasses(200, 2, 7, 20, 0.05);
    const values = await dataOob(train, train, { bags: 16, seed: 3 });
    for (let i = 0; i < 200; i++) expect(values[i], `example ${i}`).toBe(train.noisy[i] ? 0 : 1);
  });

  it('is deterministic for a seed and depends on it', async () => {
    const train = gaussianClasses(150, 4, 8, 1, 0.1);
    const a = await dataOob(train, train, { bags: 8, seed: 1, probe: { epochs: 10 } });
    const b = await dataOob(train, train, { bags: 8, seed: 1, probe: { epochs: 10 } });
    const c = await dataOob(train, train, { bags: 8, seed: 2, probe: { epochs: 10 } });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
