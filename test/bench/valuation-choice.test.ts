// The bench's choice among candidates, made on validation only: with --choose-on every-seed, on
// the mean over the seeds, whatever one seed prefers.
import { describe, expect, it } from 'vitest';
import { chooseOnMeanValidation, type Choice } from '../../bench/valuation/protocol';
import type { FinetuneOutcome } from '../../bench/valuation/pipeline-path';

const candidates: Choice[] = [{ keep: 0.8, lambda: 0, quarantine: 'everywhere' }, { keep: 0.9, lambda: 0, quarantine: 'everywhere' }, { keep: 0.9, lambda: 0, quarantine: 'context' }];
const seedRun = (valid: number[]) => ({ grid: candidates.map((c, i) => [c, { validNdcg: valid[i]!, ndcg: 0 } as FinetuneOutcome] as [Choice, FinetuneOutcome]) });

describe('choosing on the mean validation NDCG@10 of every seed', () => {
  it('takes the best mean, not the first seed\'s favourite', () => {
    const { best, tried } = chooseOnMeanValidation(candidates, [seedRun([0.0878, 0.0813, 0.0849]), seedRun([0.0805, 0.0850, 0.0820]), seedRun([0.0838, 0.0870, 0.0830])]);
    expect(best).toBe(1);
    expect(tried.map(([, v]) => v.toFixed(4))).toEqual(['0.0840', '0.0844', '0.0833']);
  });

  it('breaks a tie towards more data, then the cheaper quarantine', () => {
    expect(chooseOnMeanValidation(candidates, [seedRun([0.08, 0.08, 0.07])]).best).toBe(1);
    expect(chooseOnMeanValidation(candidates, [seedRun([0.08, 0.08, 0.08])]).best).toBe(2);
  });
});
