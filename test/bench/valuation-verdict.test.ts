import { describe, expect, it } from 'vitest';
import type { FinetuneOutcome } from '../../bench/valuation/pipeline-path';
import type { NoiseSetting, SeedRun } from '../../bench/valuation/protocol';
import { verdictTable, type Measured } from '../../bench/valuation/verdict';
import type { PipelineSpec } from '../../shared/pipeline/spec';

const outcome = (trainSeconds: number): FinetuneOutcome => ({ ndcg: 0.05, hitRate: 0.1, ndcgPerUser: new Float32Array([0.05]), users: Int32Array.of(0), validNdcg: 0.05, examples: 10, trainSeconds, epochSeconds: trainSeconds / 12 });

function beauty(run: Partial<SeedRun>): Measured {
  const setting = { dataset: 'amazon-beauty', noise: 'uniform 20%', kind: 'planted' } as NoiseSetting;
  const seedRun = { seed: 1, detection: { auc: 0.77, kmeansF1: 0.44 }, valueSeconds: 150, tried: [], truncateTried: [], ...run } as SeedRun;
  return { setting, runs: [seedRun], payoff: false, spec: { finetune: { epochs: 12 } } as PipelineSpec, users: 1 };
}

const costRow = (m: Measured) => verdictTable([m]).rows.find(([target]) => target!.startsWith('cost:'))!;

describe('the valuation verdict\'s cost row', () => {
  it('compares the value step with the run\'s control fine-tune where one was timed, else with the timed epoch × the epochs', () => {
    expect(costRow(beauty({ control: outcome(750) }))).toEqual(['cost: value step on full Beauty ≤ 25 % of one fine-tune (the control fine-tune of this run)', '150 s vs 750 s = 20%', 'met']);
    expect(costRow(beauty({ epochProbe: outcome(50) }))).toEqual(['cost: value step on full Beauty ≤ 25 % of one fine-tune (12 epochs × one epoch timed in this run)', '150 s vs 600 s = 25%', 'met']);
    expect(costRow(beauty({ epochProbe: outcome(40) }))[2]).toBe('not met');
    expect(costRow(beauty({}))[1]).toBe('not measured in this run');
  });
});
