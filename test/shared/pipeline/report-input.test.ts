// What the report is built from must say what the run measured: a metric not computed reads
// "not computed" (never 0), a sample is not a count, rejects are counted per file.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../../shared/db/schema';
import { buildRunReportInput, HISTOGRAM_SAMPLE, rejectsByFile } from '../../../shared/pipeline/steps/report-input';
import { parseRunReportInput } from '../../../shared/report/input';
import { metricsSection } from '../../../shared/report/sections/metrics';
import { valuesSection } from '../../../shared/report/sections/values';

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

describe('report: items new to training', () => {
  it('gathers the infer step\'s cold-item metrics per model, apart from the main table', async () => {
    const report = await reportWith([
      metric('valued', 'ndcg@10', 0.05),
      metric('cold-items:valued', 'ndcg@10', 0.031), metric('cold-items:valued', 'hr@10', 0.0625), metric('cold-items:valued', 'targets', 16),
      metric('cold-items:most-popular', 'ndcg@10', 0), metric('cold-items:most-popular', 'targets', 16),
    ]);
    expect(report.coldItems).toEqual([{ model: 'valued', ndcg10: 0.031, hr10: 0.0625, targets: 16 }, { model: 'most-popular', ndcg10: 0, targets: 16 }]);
    expect(report.metrics!.map((m) => m.model)).toEqual(['valued']);
    expect((await reportWith([metric('valued', 'ndcg@10', 0.05)])).coldItems).toBeUndefined();
  });
});

describe('report: search on held-out queries', () => {
  const searchMetrics = (label: string) => [
    metric(label, 'search.queries.test', 40), metric(label, 'search.queries.train', 160),
    metric(label, 'search.clicks.valued', 500), metric(label, 'search.clicks.quarantined', 100), metric(label, 'search.keep', 0.8),
    metric(label, 'search.bm25.ndcg@10', 0.41), metric(label, 'search.bm25.ndcg@10.se', 0.03),
    metric(label, 'search.head.ndcg@10', 0.52), metric(label, 'search.head.ndcg@10.se', 0.02),
  ];

  it('gathers the infer step\'s search metrics from lineage, and nothing from other steps', async () => {
    const report = await reportWith([metric('valued', 'ndcg@10', 0.05), ...searchMetrics('infer'), metric('value', 'search.clicks.valued', 500)]);
    expect(report.search).toEqual({
      methods: [{ method: 'bm25', ndcg10: 0.41, standardError: 0.03 }, { method: 'head', ndcg10: 0.52, standardError: 0.02 }],
      testQueries: 40, trainQueries: 160,
      clicks: { valued: 500, quarantined: 100, keep: 0.8 },
    });
    expect((await reportWith([metric('valued', 'ndcg@10', 0.05), metric('value', 'search.clicks.valued', 500)])).search).toBeUndefined();
  });

  it('reads search.json when the infer step hands it over: the paired differences to BM25 and the keep shares tried', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assay-report-search-'));
    const metrics = Object.fromEntries(searchMetrics('infer').map((m) => [m.name, m.value]));
    const vsBm25 = { head: { users: 40, meanA: 0.52, meanB: 0.41, difference: 0.11, low: 0.05, high: 0.17 }, 'zero-shot': { users: 1, meanA: 0.3, meanB: 0.41, difference: -0.11, low: null, high: null } };
    await writeFile(path.join(dir, 'search.json'), JSON.stringify({ metrics, vsBm25, keepByValidation: [{ keep: 1, validation: 0.48 }, { keep: 0.8, validation: 0.5 }], chosenEpoch: 3 }));
    const input = await buildRunReportInput({ records: { run: undefined, steps: [], metrics: [], values: [] }, workflowId: 'wf', inputs: { infer: dir } });
    const report = parseRunReportInput(input);
    expect(report.search!.methods.map((m) => m.method)).toEqual(['bm25', 'head']);
    expect(report.search!.vsBm25).toEqual([{ method: 'head', difference: 0.11, low: 0.05, high: 0.17, queries: 40 }, { method: 'zero-shot', difference: -0.11, queries: 1 }]);
    expect(report.search!.clicks).toEqual({ valued: 500, quarantined: 100, keep: 0.8, byKeep: [{ keep: 1, validation: 0.48 }, { keep: 0.8, validation: 0.5 }] });
  });
});

describe('report counts', () => {
  it('counts every valued example when the histogram draws a sample of more than 20,000 values', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assay-report-values-'));
    const n = 227_259;
    const values = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
    await writeFile(path.join(dir, 'values.f64'), Buffer.from(values.buffer));
    const summary = { id: 1, runId: 'r', stepId: null, method: 'knn-shapley', unit: 'interaction', count: n, mean: 0, std: 0, min: 0, max: 999, keptCount: 184_000, threshold: null, valuesUri: null, computeSeconds: 1, createdAt: new Date() };
    const input = parseRunReportInput(await buildRunReportInput({ records: { run: undefined, steps: [], metrics: [], values: [summary as never] }, workflowId: 'wf', inputs: { value: dir } }));
    const dist = input.values![0]!;
    expect(dist.values!.length).toBeLessThanOrEqual(HISTOGRAM_SAMPLE);
    expect(dist.count).toBe(n);
    const section = await valuesSection(input);
    expect(section.body).toMatch(/<td class="num">227,259<\/td><td class="num">184,000<\/td><td class="num">43,259<\/td>/);
    expect(section.body).toContain(`a sample of ${dist.values!.length.toLocaleString('en-US')} of 227,259 values`);
  });

  it('counts rejects per source file against that file’s rows, including rejects of no read file', () => {
    const rows = rejectsByFile({ 'data/events.csv': 233_000, 'data/items.csv': 1_000 }, [{ file: 'data/events.csv' }, { file: 'data/events.csv' }, { file: 'data/items.csv' }, { file: '(judgments)' }]);
    expect(rows).toEqual([
      { file: 'events.csv', rowsRead: 233_000, rejected: 2 },
      { file: 'items.csv', rowsRead: 1_000, rejected: 1 },
      { file: '(judgments)', rejected: 1 },
    ]);
  });

  it('reads the valued-vs-control artifact into one comparison per metric, leaving out undefined ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assay-report-comparison-'));
    const d = { users: 50, meanA: 0.2, meanB: 0.1, difference: 0.1, low: 0.05, high: 0.15 };
    const none = { users: 0, meanA: null, meanB: null, difference: null, low: null, high: null };
    await writeFile(path.join(dir, 'valued-vs-control.json'), JSON.stringify({ k: 20, confidence: 0.95, metrics: { ndcg: d, hitRate: d, recall: d, mrr: d, auc: none } }));
    const input = parseRunReportInput(await buildRunReportInput({ records: { run: undefined, steps: [], metrics: [], values: [] }, workflowId: 'wf', inputs: { infer: dir } }));
    expect(input.comparison!.map((c) => c.metric)).toEqual(['NDCG@20', 'HR@20', 'Recall@20', 'MRR']);
    expect(input.comparison![0]).toEqual({ metric: 'NDCG@20', valued: 0.2, control: 0.1, difference: 0.1, low: 0.05, high: 0.15, users: 50 });
  });
});

describe('report: a run whose quarantine leaves everything (a second, valued pretrain)', () => {
  const at = new Date('2026-12-05T12:00:00Z');
  const step = (stepName: string, attempt = 1) => ({ id: 0, runId: 'r', stepName, attempt, status: 'completed', startedAt: at, finishedAt: at, cacheHit: false }) as never;
  const epochLoss = (label: string, epoch: number, value: number): MetricRow => ({ ...metric(label, 'loss', value), epoch });
  const reportOf = async (stepNames: string[], metrics: MetricRow[] = []) => {
    const run = { id: 'r', status: 'running', startedAt: at, finishedAt: null, error: null, spec: { control: true, valuation: { quarantine: 'everywhere' } } } as never;
    return parseRunReportInput(await buildRunReportInput({ records: { run, steps: stepNames.map((n) => step(n)), metrics, values: [] }, workflowId: 'wf', inputs: {} }));
  };
  const before = ['preprocess', 'pretrain', 'value', 'valued-finetune', 'control-finetune', 'infer'];

  it('has succeeded only once the valued pretrain has completed too', async () => {
    expect((await reportOf(before)).run.status).toBe('running');
    expect((await reportOf([...before, 'valued-pretrain'])).run.status).toBe('succeeded');
  });

  it('draws the valued pretrain\'s losses as the valued arm\'s pretraining curve', async () => {
    const report = await reportOf(before, [epochLoss('pretrain', 1, 10.4), epochLoss('valued-pretrain', 1, 10.3)]);
    expect(report.training?.map((p) => [p.phase, p.variant, p.loss])).toEqual([['pretrain', 'shared', 10.4], ['pretrain', 'valued', 10.3]]);
  });
});
