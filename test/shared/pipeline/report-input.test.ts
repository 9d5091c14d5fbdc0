// A metric the run did not compute must read "not computed" in the report, never 0.
import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../../shared/db/schema';
import { buildRunReportInput } from '../../../shared/pipeline/steps/report-input';
import { parseRunReportInput } from '../../../shared/report/input';
import { metricsSection } from '../../../shared/report/sections/metrics';

const metric = (label: string, name: string, value: number): MetricRow =>
  ({ id: 0, runId: 'r', stepId: null, name, value, epoch: null, label, recordedAt: new Date() });

async function reportWith(metrics: MetricRow[]) {
  const input = await buildRunReportInput({ records: { run: undefined, steps: [], metrics, values: [] }, workflowId: 'wf', inputs: {} });
  return parseRunReportInput(input);
}

describe('report metrics', () => {
  it('keeps HR@10 and MRR absent when infer did not record them, instead of 0', async () => {
    const report = await reportWith([metric('valued', 'ndcg@10', 0.05), metric('most-popular', 'ndcg@10', 0.04), metric('most-popular', 'hr@10', 0), metric('most-popular', 'mrr', 0.02)]);
    const valued = report.metrics!.find((m) => m.model === 'valued')!;
    expect(valued).toMatchObject({ ndcg10: 0.05 });
    expect(valued.hr10).toBeUndefined();
    expect(valued.mrr).toBeUndefined();
    // a metric that was computed as 0 stays 0
    expect(report.metrics!.find((m) => m.model === 'most-popular')).toMatchObject({ hr10: 0, mrr: 0.02 });
  });

  it('the metrics table says "not computed" in the missing cells only', async () => {
    const report = await reportWith([metric('valued', 'ndcg@10', 0.05), metric('valued', 'hr@10', 0.1)]);
    const section = await metricsSection(report);
    const valuedRow = /<tr>(?:(?!<\/tr>).)*valued(?:(?!<\/tr>).)*<\/tr>/s.exec(section.body)![0];
    // MRR and AUC missing: two cells; NDCG@10 and HR@10 shown with their values
    expect(valuedRow.match(/not computed/g)).toHaveLength(2);
    expect(valuedRow).toContain('0.0500');
    expect(valuedRow).toContain('0.1000');
  });
});
