import { describe, expect, it } from 'vitest';
import { lossValues } from '../../../shared/valuation/loss';
import { randomValues } from '../../../shared/valuation/random';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { gaussianClasses } from './synthetic';

describe('baselines', () => {
  it('loss: flipped labels get lower value (higher probe loss) than clean ones', async () => {
    const train = gaussianClasses(300, 4, 21, 3, 0.1);
    const values = await lossValues(train, train);
    expect(noiseDetectionAuc(values, train.noisy)).toBeGreaterThan(0.9);
    for (const v of values) expect(v).toBeLessThanOrEqual(0);
  });

  it('random: same seed gives the same values, another seed other values', async () => {
    const train = gaussianClasses(50, 2, 22);
    const a = await randomValues(train, train, { seed: 5 });
    expect(Array.from(await randomValues(train, train, { seed: 5 }))).toEqual(Array.from(a));
    expect(Array.from(await randomValues(train, train, { seed: 6 }))).not.toEqual(Array.from(a));
    for (const v of a) expect(v >= 0 && v < 1).toBe(true);
  });
});
