// The planning estimate counts every training run the spec's graph will run.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateResources } from '../../../shared/pipeline/estimate';
import { loadSpecFile } from '../../../shared/pipeline/spec';

const sizes = { users: 943, items: 1682, trainEvents: 98_114, vocabulary: 2000 };
const specWith = (valuation: object) => loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { valuation: { method: 'knn-shapley', ...valuation } } as never);

describe('the resource estimate', () => {
  it("adds the valued pretrain on the kept share under quarantine 'everywhere', and nothing for the other modes", () => {
    const context = estimateResources(specWith({ keep: 0.8, quarantine: 'context' }), sizes);
    const everywhere = estimateResources(specWith({ keep: 0.8, quarantine: 'everywhere' }), sizes);
    expect(estimateResources(specWith({ keep: 0.8, quarantine: 'drop' }), sizes).totalSeconds).toBe(context.totalSeconds);
    expect(everywhere.pretrainSeconds).toBe(context.pretrainSeconds);
    expect(everywhere.totalSeconds - context.totalSeconds).toBeCloseTo(0.8 * context.pretrainSeconds, 6);
  });
});
