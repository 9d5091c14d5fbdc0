import { describe, expect, it } from 'vitest';
import { tracinInfluence } from '../../../shared/valuation/tracin';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { gaussianClasses } from './synthetic';

describe('tracinInfluence', () => {
  it('gives a duplicated example the same self-influence as its twin, and a different example a different one', async () => {
    const train = gaussianClasses(60, 3, 11, 2);
    // row 59 becomes an exact copy of row 5 (embedding and label)
    train.emb.data.copyWithin(59 * 3, 5 * 3, 6 * 3);
    train.labels[59] = train.labels[5]!;
    const valid = gaussianClasses(30, 3, 12, 2);
    const { selfInfluence, value, checkpoints } = await tracinInfluence(train, valid, { probe: { epochs: 12 }, checkpointEvery: 4 });
    expect(checkpoints).toBe(3);
    expect(selfInfluence[59]).toBe(selfInfluence[5]);
    expect(value[59]).toBe(value[5]);
    expect(selfInfluence[6]).not.toBe(selfInfluence[5]);
  });

  it('ranks flipped labels below clean ones (negative influence on validation, high self-influence)', async () => {
    const train = gaussianClasses(300, 4, 13, 3, 0.1);
    const valid = gaussianClasses(100, 4, 14, 3);
    const { value, selfInfluence } = await tracinInfluence(train, valid);
    expect(noiseDetectionAuc(value, train.noisy)).toBeGreaterThan(0.9);
    expect(noiseDetectionAuc(selfInfluence.map((s) => -s), train.noisy)).toBeGreaterThan(0.9);
  });
});

describe('tracin value option', () => {
  it("returns −self-influence when config.value is 'self'", async () => {
    const { tracin } = await import('../../../shared/valuation/tracin');
    const train = gaussianClasses(40, 3, 15, 2, 0.1);
    const valid = gaussianClasses(20, 3, 16, 2);
    const { selfInfluence, value } = await tracinInfluence(train, valid);
    expect(Array.from(await tracin(train, valid, { value: 'self' }))).toEqual(Array.from(selfInfluence, (s) => -s));
    expect(Array.from(await tracin(train, valid))).toEqual(Array.from(value));
  });
});
