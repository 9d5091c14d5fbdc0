import { describe, expect, it } from 'vitest';
import { parseRunReportInput } from '../../../../shared/report/input';
import { missingReason, PRODUCERS } from '../../../../shared/report/sections/missing';
import { buildFailedRun, buildRealisticRun } from '../fixtures/realistic-run';

describe('missingReason', () => {
  const failed = parseRunReportInput(buildFailedRun());

  it('names the producing step that failed', () => {
    expect(missingReason(failed, PRODUCERS.training, 'hint')).toBe('Step "finetune" failed before producing it.');
  });

  it('names the producing step that never ran', () => {
    expect(missingReason(failed, PRODUCERS.metrics, 'hint')).toBe('Step "infer" is pending.');
  });

  it('says the run stopped first when no producing step says more', () => {
    expect(missingReason(failed, PRODUCERS.detection, 'hint')).toBe('The run failed before producing it.');
  });

  it('gives the hint when the run finished and simply did not produce it', () => {
    const done = parseRunReportInput(buildRealisticRun());
    expect(missingReason(done, PRODUCERS.detection, 'needs ground truth')).toBe('needs ground truth');
  });

  it('matches a step by its name or a `name-` prefix only', () => {
    const report = parseRunReportInput({
      ...buildRealisticRun(),
      steps: [{ name: 'infer-search', status: 'failed' }, { name: 'inference-ish', status: 'pending' }],
    });
    expect(missingReason(report, ['infer'], 'hint')).toBe('Step "infer-search" failed before producing it.');
  });
});
