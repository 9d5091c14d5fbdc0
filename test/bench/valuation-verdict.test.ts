import { describe, expect, it } from 'vitest';
import type { FinetuneOutcome } from '../../bench/valuation/pipeline-path';
import type { NoiseSetting, SeedRun } from '../../bench/valuation/protocol';
import { AS_SHIPPED, payoffTable, verdictTable, type Measured } from '../../bench/valuation/verdict';
import type { ReferenceDetection } from '../../bench/valuation/reference-detectors';
import type { PipelineSpec } from '../../shared/pipeline/spec';

const outcome = (trainSeconds: number, ndcg = 0.05, hitRate = 0.1): FinetuneOutcome => ({ ndcg, hitRate, ndcgPerUser: new Float32Array([0.05]), users: Int32Array.of(0), validNdcg: 0.05, examples: 10, trainSeconds, epochSeconds: trainSeconds / 12 });

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

function asShipped(control: FinetuneOutcome, valued: FinetuneOutcome): Measured {
  const setting = { dataset: 'amazon-beauty', noise: AS_SHIPPED, kind: 'clean' } as NoiseSetting;
  const seedRun = { seed: 1, valueSeconds: 150, tried: [], truncateTried: [], control, valued, choice: { keep: 0.9, lambda: 0, quarantine: 'context' } } as SeedRun;
  return { setting, runs: [seedRun], payoff: true, spec: { finetune: { epochs: 12 }, valuation: { method: 'cross-fit' } } as PipelineSpec, users: 1 };
}

const stretchRow = (ms: Measured[]) => verdictTable(ms).rows.find(([target]) => target!.startsWith('stretch:'))!;

describe('the valuation verdict\'s stretch row', () => {
  it('is met only when the valued model beats both the control and SASRec on HR@10 and NDCG@10', () => {
    expect(stretchRow([asShipped(outcome(700, 0.0329, 0.053), outcome(650, 0.0335, 0.0541))])).toEqual([
      'stretch: Amazon Beauty as shipped, valued above the control and SASRec full CE (0.0533 / 0.0327)',
      'valued 0.0541 / 0.0335, control 0.0530 / 0.0329 (HR@10 / NDCG@10)',
      'met',
    ]);
    // above the control, below SASRec's HR@10
    expect(stretchRow([asShipped(outcome(700, 0.0329, 0.052), outcome(650, 0.0335, 0.0525))])[2]).toBe('not met');
    // above SASRec, below the control's NDCG@10
    expect(stretchRow([asShipped(outcome(700, 0.0340, 0.054), outcome(650, 0.0335, 0.0545))])[2]).toBe('not met');
    expect(stretchRow([])[1]).toBe('not measured in this run');
  });
});

function plantedPayoff(ndcg: { control: number; valued: number; random: number; clean: number; ceiling?: number }): Measured {
  const setting = { dataset: 'ml-100k', noise: 'uniform 20%', kind: 'planted' } as NoiseSetting;
  const at = (x: number) => outcome(60, x);
  const seedRun = {
    seed: 1, detection: { auc: 0.86, kmeansF1: 0.55 }, valueSeconds: 30, tried: [], truncateTried: [], choice: { keep: 0.9, lambda: 0, quarantine: 'context' },
    control: at(ndcg.control), valued: at(ndcg.valued), randomRemoval: at(ndcg.random), cleanReference: at(ndcg.clean),
    ...(ndcg.ceiling === undefined ? {} : { perfect: { context: at(ndcg.control), drop: at(ndcg.control), hidden: at(ndcg.control), everywhere: at(ndcg.ceiling) } }),
  } as SeedRun;
  return { setting, runs: [seedRun], payoff: true, spec: { finetune: { epochs: 14 }, valuation: { method: 'cross-fit' } } as PipelineSpec, users: 1 };
}

const payoffRows = (m: Measured) => verdictTable([m]).rows.filter(([target]) => target!.startsWith('payoff, ml-100k, 20 % uniform'));

describe('the valuation verdict\'s payoff rows', () => {
  it('print the ceiling of removal beside the gain over the control and the share of the clean model, where it was measured', () => {
    const [gain, random, share] = payoffRows(plantedPayoff({ control: 0.08, valued: 0.082, random: 0.081, clean: 0.1, ceiling: 0.084 }));
    expect(gain).toEqual(['payoff, ml-100k, 20 % uniform: valued NDCG@10 ≥ control + 10 %', '0.0820 vs 0.0800 (+2.5 %; ceiling of removal +5.0 %)', 'not met']);
    expect(random![2]).toBe('met');
    expect(share).toEqual(['payoff, ml-100k, 20 % uniform: valued ≥ 90 % of the clean model', '82% of 0.1000; ceiling of removal 84%', 'not met']);
    const without = payoffRows(plantedPayoff({ control: 0.08, valued: 0.091, random: 0.092, clean: 0.1 }));
    expect(without.map((r) => r[1])).toEqual(['0.0910 vs 0.0800 (+13.7 %)', '0.0910 vs 0.0920', '91% of 0.1000']);
    expect(without.map((r) => r[2])).toEqual(['met', 'not met', 'met']);
  });
});

describe('the valuation verdict\'s detection rows', () => {
  const reference = (kind: ReferenceDetection['kind'], auc: number, kmeansF1: number): ReferenceDetection => ({ label: kind, kind, quality: { auc, kmeansF1 }, seconds: 1 });
  const detectionRows = (m: Measured) => verdictTable([m]).rows.filter(([target]) => target!.startsWith('detection, ml-100k, 20 % uniform'));

  it('print the best model of the clean data beside the values\' AUC and F1, and no other reference', () => {
    const m = { ...plantedPayoff({ control: 0.08, valued: 0.082, random: 0.081, clean: 0.1 }), references: [reference('oracle', 0.95, 0.9), reference('clean-data model', 0.79, 0.44), reference('clean-data model', 0.86, 0.47), reference('no model', 0.99, 0.99)] };
    expect(detectionRows(m)).toEqual([
      ['detection, ml-100k, 20 % uniform: AUC ≥ 0.90', '0.860; a model of the clean data 0.860', 'not met'],
      ['detection, ml-100k, 20 % uniform: k-means F1 ≥ 0.60', '0.550; a model of the clean data 0.470', 'not met'],
    ]);
    expect(detectionRows(plantedPayoff({ control: 0.08, valued: 0.082, random: 0.081, clean: 0.1 })).map((r) => r[1])).toEqual(['0.860', '0.550']);
  });
});

describe('the payoff table\'s choice note', () => {
  const choiceCell = (m: Measured) => payoffTable([m]).rows.find((r) => r[2]!.startsWith('valued'))![10];
  const withValid = (o: FinetuneOutcome, validNdcg: number): FinetuneOutcome => ({ ...o, validNdcg });
  const candidates = [{ keep: 0.9, lambda: 0, quarantine: 'context' }, { keep: 0.9, lambda: 0, quarantine: 'everywhere' }] as const;

  it('names the seeds the choice was made on and prints the control\'s validation on the same seeds', () => {
    const base = plantedPayoff({ control: 0.08, valued: 0.082, random: 0.081, clean: 0.1 });
    const runs = [1, 2].map((seed, i) => ({ ...base.runs[0]!, seed, control: withValid(base.runs[0]!.control!, [0.08, 0.09][i]!), tried: [[candidates[0], 0.085], [candidates[1], 0.0847]] as SeedRun['tried'], choiceSeeds: [1, 2] }));
    expect(choiceCell({ ...base, runs })).toBe('valid NDCG (mean of seeds 1, 2): control 0.0850; keep 0.9, λ 0, rest as context: 0.0850; keep 0.9, λ 0, rest removed everywhere (pretrained again): 0.0847');
    const firstSeed = runs.map((r) => ({ ...r, choiceSeeds: [1] }));
    expect(choiceCell({ ...base, runs: firstSeed })).toMatch(/^valid NDCG \(seed 1\): control 0\.0800;/);
  });
});
