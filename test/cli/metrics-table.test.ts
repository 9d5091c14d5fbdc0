import { describe, expect, it } from 'vitest';
import { metricsTable, NOT_COMPUTED } from '../../cli/run';
import type { PipelineResult } from '../../workflows/pipeline';

describe('metricsTable', () => {
  it('shows a quality metric the run did not compute as "not computed", and a computed 0 as 0', () => {
    const result: PipelineResult = { runId: 'r', steps: [], metrics: { 'valued.ndcg@10': 0.05, 'valued.hr@10': 0, 'valued.auc': Number.NaN } };
    const row = metricsTable(result).split('\n').find((l) => l.startsWith('valued'))!;
    const cells = row.split(/\s{2,}/);
    // model, ndcg@10, hr@10, mrr, auc, trainExamples, trainSeconds
    expect(cells.slice(0, 5)).toEqual(['valued', '0.0500', '0', NOT_COMPUTED, NOT_COMPUTED]);
  });
});
