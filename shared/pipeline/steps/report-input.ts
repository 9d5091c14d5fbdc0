// Assembles the report's one input object from what a run left behind: lineage rows (steps,
// metrics per epoch and final, value summaries) and the artifacts handed to the report step
// (rejects, values, contradicted quarantine examples). Anything missing is simply left out,
// so a run that failed half-way still gets a report of what exists.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, readRejects } from '../../data';
import type { RunReportInput } from '../../report/input';
import type { RunRecords } from '../step';
import { readFloat64 } from './typed-files';
import { VALUED_VS_CONTROL_FILE, ValuedVsControlSchema } from './valued-vs-control';
import { COLD_ITEMS_PREFIX } from './cold-items';
import { SEARCH_SUMMARY_FILE, SearchSummarySchema } from '../../search/search-summary-file';
import { QuarantineModeSchema } from '../../valuation/quarantine';
import { groupOf, REPORT_NODE, stagesFor } from '../step-table';

type Input = RunReportInput;
type StepStatus = NonNullable<Input['steps']>[number]['status'];
type RunStatus = Input['run']['status'];

const RUN_STATUS: Record<string, RunStatus> = { queued: 'running', running: 'running', completed: 'succeeded', failed: 'failed', cancelled: 'cancelled' };
const STEP_STATUS: Record<string, StepStatus> = { running: 'running', completed: 'succeeded', failed: 'failed', cancelled: 'cancelled' };
const BASELINES = new Set(['most-popular', 'item-knn', 'ease']);

/**
 * The only files of each input group this builder reads, so a caller that assembles the
 * inputs itself (`assay report` on a run without a report) downloads these and nothing more.
 */
const VALUES_FILE = 'values.f64';
const QUARANTINE_FILE = 'quarantine-contradicted.json';
export const REPORT_INPUT_FILES: Readonly<Record<'preprocess' | 'value' | 'infer', readonly string[]>> = {
  preprocess: ['manifest.json', 'rejects.arrow'],
  value: [VALUES_FILE],
  infer: [QUARANTINE_FILE, VALUED_VS_CONTROL_FILE, SEARCH_SUMMARY_FILE],
};

export interface ReportContext {
  records: RunRecords;
  workflowId: string;
  temporalUrl?: string;
  /** folders of the artifacts given to the report step, by group */
  inputs: Record<string, string>;
  /** set when the pipeline failed; the report shows it in a banner */
  failure?: { step?: string; message: string };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
/** A metric the run did not compute stays absent, so the report says so instead of showing 0. */
const recorded01 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? clamp01(x) : undefined);

function modelMetrics(records: RunRecords): Input['metrics'] {
  const byLabel = new Map<string, Record<string, number>>();
  for (const m of records.metrics) {
    if (m.epoch !== null || !m.label) continue;
    byLabel.set(m.label, { ...(byLabel.get(m.label) ?? {}), [m.name]: m.value });
  }
  const trainOf = (variant: string) => byLabel.get(`${variant}-finetune`) ?? {};
  const rows: NonNullable<Input['metrics']> = [];
  for (const [label, m] of byLabel) {
    const role = label === 'valued' || label === 'control' ? label : BASELINES.has(label) ? 'baseline' : undefined;
    if (!role || m['ndcg@10'] === undefined) continue;
    const train = role === 'baseline' ? {} : trainOf(label);
    rows.push({
      model: label, role, ndcg10: clamp01(m['ndcg@10']), hr10: recorded01(m['hr@10']), mrr: recorded01(m.mrr),
      auc: recorded01(m.auc),
      trainingExamples: train.trainExamples, trainSeconds: train.trainSeconds,
    });
  }
  return rows.length ? rows : undefined;
}

/** The infer step's metrics on test targets new to training (infer.ts coldItemMetrics), when it recorded any. */
function coldItemRows(records: RunRecords): Input['coldItems'] {
  const byModel = new Map<string, Record<string, number>>();
  for (const m of records.metrics) {
    if (m.epoch !== null || !m.label?.startsWith(COLD_ITEMS_PREFIX)) continue;
    const model = m.label.slice(COLD_ITEMS_PREFIX.length);
    byModel.set(model, { ...(byModel.get(model) ?? {}), [m.name]: m.value });
  }
  const rows = [...byModel].filter(([, m]) => m['ndcg@10'] !== undefined).map(([model, m]) => ({ model, ndcg10: clamp01(m['ndcg@10']!), hr10: recorded01(m['hr@10']), targets: Math.max(0, Math.round(m.targets ?? 0)) }));
  return rows.length ? rows : undefined;
}

const SEARCH_METHOD = /^search\.(.+)\.ndcg@10$/;
const count = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? Math.max(0, Math.round(x)) : undefined);

/**
 * The infer step's search evaluation (pipeline-search.ts), when the run had infer.search: its
 * search.json when given (it also holds the paired differences to BM25 and the keep shares tried),
 * else its metrics in lineage.
 */
async function searchOf(ctx: ReportContext): Promise<Input['search']> {
  const file = ctx.inputs.infer ? path.join(ctx.inputs.infer, SEARCH_SUMMARY_FILE) : undefined;
  const summary = file && existsSync(file) ? SearchSummarySchema.parse(JSON.parse(await readFile(file, 'utf8'))) : undefined;
  const metrics: Record<string, number> = summary?.metrics ?? Object.fromEntries(
    ctx.records.metrics.filter((m) => m.epoch === null && m.label === 'infer' && m.name.startsWith('search.')).map((m) => [m.name, m.value]),
  );
  const methods = Object.entries(metrics).flatMap(([name, ndcg]) => {
    const method = SEARCH_METHOD.exec(name)?.[1];
    const se = metrics[`${name}.se`];
    return method === undefined || !Number.isFinite(ndcg) ? [] : [{ method, ndcg10: clamp01(ndcg), standardError: se !== undefined && Number.isFinite(se) ? Math.max(0, se) : undefined }];
  });
  if (methods.length === 0) return undefined;
  const vsBm25 = Object.entries(summary?.vsBm25 ?? {}).flatMap(([method, d]) =>
    d.difference === null ? [] : [{ method, difference: d.difference, low: d.low ?? undefined, high: d.high ?? undefined, queries: d.users }],
  );
  const [valued, quarantined, keep] = [count(metrics['search.clicks.valued']), count(metrics['search.clicks.quarantined']), metrics['search.keep']];
  return {
    methods,
    testQueries: count(metrics['search.queries.test']) ?? 0,
    trainQueries: count(metrics['search.queries.train']),
    vsBm25: vsBm25.length ? vsBm25 : undefined,
    clicks: valued !== undefined && quarantined !== undefined && keep !== undefined && Number.isFinite(keep)
      ? { valued, quarantined, keep: clamp01(keep), byKeep: summary?.keepByValidation?.map((k) => ({ keep: clamp01(k.keep), validation: clamp01(k.validation) })) }
      : undefined,
  };
}

function trainingCurves(records: RunRecords): Input['training'] {
  const points: NonNullable<Input['training']> = [];
  for (const m of records.metrics) {
    if (m.epoch === null || m.name !== 'loss' || !m.label || !Number.isFinite(m.value)) continue;
    if (m.label === 'pretrain') points.push({ phase: 'pretrain', variant: 'shared', epoch: m.epoch, loss: m.value });
    else if (m.label === 'valued-pretrain') points.push({ phase: 'pretrain', variant: 'valued', epoch: m.epoch, loss: m.value });
    else if (m.label === 'valued-finetune' || m.label === 'control-finetune') points.push({ phase: 'finetune', variant: m.label.startsWith('valued') ? 'valued' : 'control', epoch: m.epoch, loss: m.value });
  }
  return points.length ? points : undefined;
}

/**
 * The selection threshold on the raw value axis: the smallest kept value. Selection keeps the
 * `keptCount` highest values (a normalized threshold is on rank-normalized values, which keep
 * the order), so this holds for a keep fraction and a threshold alike; ties make it approximate.
 */
function keptThreshold(values: Float64Array, keptCount: number): number | undefined {
  if (keptCount < 1 || keptCount > values.length) return undefined;
  const sorted = Float64Array.from(values).sort();
  const threshold = sorted[values.length - keptCount];
  return Number.isFinite(threshold) ? threshold : undefined;
}

/** values drawn in the histogram at most; above it every n-th value is drawn */
export const HISTOGRAM_SAMPLE = 20_000;

async function valueDistributions(ctx: ReportContext): Promise<Input['values']> {
  const dir = ctx.inputs.value;
  const summary = ctx.records.values[0];
  if (!dir || !summary || !existsSync(path.join(dir, VALUES_FILE))) return undefined;
  const values = await readFloat64(path.join(dir, VALUES_FILE));
  // the histogram needs a sample only; the counts beside it are the value step's own
  const sample = Array.from(values.length > HISTOGRAM_SAMPLE ? values.filter((_, i) => i % Math.ceil(values.length / HISTOGRAM_SAMPLE) === 0) : values).filter(Number.isFinite);
  return [{ method: `${summary.method} (per ${summary.unit})`, values: sample, count: summary.count, keptCount: summary.keptCount, threshold: keptThreshold(values, summary.keptCount) }];
}

/** Rows read and rejected per source file (by file name), files with no reject included. */
export function rejectsByFile(rowsRead: Record<string, number>, rejects: ReadonlyArray<{ file: string }>): NonNullable<Input['rejects']>['byFile'] {
  const byName = new Map<string, { rowsRead?: number; rejected: number }>();
  for (const [file, rows] of Object.entries(rowsRead)) byName.set(path.basename(file), { rowsRead: rows, rejected: 0 });
  for (const r of rejects) {
    const name = path.basename(r.file);
    const entry = byName.get(name) ?? { rejected: 0 };
    entry.rejected += 1;
    byName.set(name, entry);
  }
  return [...byName.entries()].map(([file, e]) => ({ file, ...e }));
}

const METRIC_LABELS: Record<string, (k: number) => string> = { ndcg: (k) => `NDCG@${k}`, hitRate: (k) => `HR@${k}`, recall: (k) => `Recall@${k}`, mrr: () => 'MRR', auc: () => 'AUC' };

async function comparisonOf(ctx: ReportContext): Promise<Input['comparison']> {
  const file = ctx.inputs.infer ? path.join(ctx.inputs.infer, VALUED_VS_CONTROL_FILE) : undefined;
  if (!file || !existsSync(file)) return undefined;
  const parsed = ValuedVsControlSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  const rows: NonNullable<Input['comparison']> = [];
  for (const [name, d] of Object.entries(parsed.metrics)) {
    if (d.meanA === null || d.meanB === null || d.difference === null) continue;
    rows.push({ metric: METRIC_LABELS[name]!(parsed.k), valued: d.meanA, control: d.meanB, difference: d.difference, low: d.low ?? undefined, high: d.high ?? undefined, users: d.users });
  }
  return rows.length ? rows : undefined;
}

async function rejectsOf(ctx: ReportContext): Promise<Input['rejects']> {
  const dir = ctx.inputs.preprocess;
  if (!dir || !existsSync(path.join(dir, 'manifest.json'))) return undefined;
  const manifest = await readManifest(dir);
  const summary = (manifest.info?.summary ?? {}) as { rejectsByReason?: Record<string, number>; rowsRead?: Record<string, number> };
  const rejects = await readRejects(dir);
  const byReason = Object.entries(summary.rejectsByReason ?? {}).map(([reason, count]) => ({ reason, count }));
  return {
    rowsRead: summary.rowsRead ? Object.values(summary.rowsRead).reduce((a, b) => a + b, 0) : undefined,
    byFile: rejectsByFile(summary.rowsRead ?? {}, rejects),
    byReason,
    examples: rejects.slice(0, 10).map((r) => ({ file: path.basename(r.file), line: Math.max(1, r.line), reason: `${r.reason}${r.detail ? `: ${r.detail}` : ''}`, excerpt: r.excerpt || undefined })),
  };
}

async function quarantineOf(ctx: ReportContext): Promise<Input['quarantine']> {
  const file = ctx.inputs.infer ? path.join(ctx.inputs.infer, QUARANTINE_FILE) : undefined;
  if (!file || !existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as Input['quarantine'];
}

type StepRow = RunRecords['steps'][number];

/** The newest attempt of each step group: earlier attempts were retried and no longer decide anything. */
function newestAttempts(records: RunRecords): Map<string, StepRow> {
  const newest = new Map<string, StepRow>();
  for (const s of records.steps) if (!newest.has(s.stepName) || s.attempt > newest.get(s.stepName)!.attempt) newest.set(s.stepName, s);
  return newest;
}

/**
 * Where and why a failed run failed. The failing attempt's own error is preferred: the run's
 * recorded error may only say that an activity failed. A step that failed before it could
 * record an attempt is the first of the pipeline's steps that never completed.
 */
function failureOf(records: RunRecords, spec: RecordedSpec): ReportContext['failure'] {
  const run = records.run;
  if (run?.status !== 'failed') return undefined;
  const newest = newestAttempts(records);
  const failed = [...newest.values()].find((s) => s.status === 'failed');
  const step = failed?.stepName ?? pipelineGroups(spec).find((g) => newest.get(g)?.status !== 'completed');
  return { step, message: failed?.error ?? run.error ?? 'failed (no reason was recorded)' };
}

/**
 * One record per step, as the report draws them: the newest attempt decides the outcome, the
 * span runs from the first attempt's start, and a retried step says why it was retried. An
 * older attempt still marked running was abandoned (Temporal retries only after a failure or
 * a timeout), so it never counts as running.
 */
function stepRecords(records: RunRecords): NonNullable<Input['steps']> {
  const attempts = new Map<string, StepRow[]>();
  for (const s of records.steps) if (s.stepName !== 'report') attempts.set(s.stepName, [...(attempts.get(s.stepName) ?? []), s]);
  return [...attempts.entries()].map(([name, rows]) => {
    rows.sort((a, b) => a.attempt - b.attempt);
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const previous = rows.length > 1 ? rows[rows.length - 2]! : undefined;
    const earlier = previous ? `attempt ${previous.attempt}: ${previous.status === 'running' ? 'stopped reporting (timed out)' : (previous.error ?? previous.status)}` : undefined;
    return {
      name, status: STEP_STATUS[last.status] ?? 'running', startedAt: iso(first.startedAt), finishedAt: iso(last.finishedAt),
      attempts: last.attempt, cacheHit: last.cacheHit, backend: last.computeBackend ?? undefined, device: last.device ?? undefined, worker: last.worker ?? undefined,
      error: last.error ?? earlier,
    };
  });
}

type RecordedSpec = { valuation?: Record<string, unknown>; pretrain?: { epochs?: number; encoder?: { priceBuckets?: number } }; finetune?: { epochs?: number; exampleWeight?: string }; control?: boolean };

/** The step groups a pipeline of this spec completes before its report (the workflow's graph, step-table.ts). */
function pipelineGroups(spec: RecordedSpec): string[] {
  const quarantine = QuarantineModeSchema.safeParse(spec.valuation?.quarantine).data ?? 'context';
  return stagesFor({ control: spec.control !== false, valuation: { quarantine } }).flat().map((n) => groupOf(n.step, n.variant)).filter((g) => g !== groupOf(REPORT_NODE.step));
}

/**
 * The run's status and end. The report step runs before the workflow records the run's end,
 * so a run still marked running whose every step has completed (newest attempt of each) has
 * in fact succeeded: it ended when its last step did.
 */
function runOutcome(records: RunRecords, spec: RecordedSpec, failed: boolean): { status: RunStatus; finishedAt?: Date } {
  const run = records.run;
  if (failed) return { status: 'failed', finishedAt: run?.finishedAt ?? undefined };
  const recorded = RUN_STATUS[run?.status ?? 'running'] ?? 'running';
  if (recorded !== 'running') return { status: recorded, finishedAt: run?.finishedAt ?? undefined };
  const newest = newestAttempts(records);
  const done = pipelineGroups(spec).map((g) => newest.get(g));
  if (!done.every((s) => s?.status === 'completed' && s.finishedAt)) return { status: 'running' };
  return { status: 'succeeded', finishedAt: new Date(Math.max(...done.map((s) => s!.finishedAt!.getTime()))) };
}

export async function buildRunReportInput(ctx: ReportContext): Promise<Input> {
  const { records } = ctx;
  const run = records.run;
  const spec = (run?.spec ?? {}) as RecordedSpec;
  const steps = stepRecords(records);
  const failure = ctx.failure ?? failureOf(records, spec);
  const outcome = runOutcome(records, spec, failure !== undefined);
  const v = spec.valuation ?? {};
  return {
    generatedAt: new Date().toISOString(),
    run: {
      runId: run?.id ?? ctx.workflowId,
      spec: `${run?.dataset ?? '?'} / ${run?.partition ?? '?'}`,
      dataset: run?.dataset ?? 'unknown', partition: run?.partition ?? 'unknown', codeVersion: run?.codeVersion ?? 'unknown',
      status: outcome.status,
      startedAt: iso(run?.startedAt ?? run?.createdAt) ?? new Date().toISOString(),
      finishedAt: iso(outcome.finishedAt),
      temporalWorkflowId: ctx.workflowId,
      temporalUrl: ctx.temporalUrl,
      config: Object.fromEntries(Object.entries({
        'valuation.method': v.method, 'valuation.unit': v.unit, 'valuation.keep': v.keep, 'valuation.threshold': v.threshold, 'valuation.lambda': v.lambda, 'valuation.quarantine': v.quarantine,
        'valuation.truncate.rate': (v.truncate as { rate?: number } | undefined)?.rate,
        'pretrain.epochs': spec.pretrain?.epochs, 'finetune.epochs': spec.finetune?.epochs,
        'pretrain.encoder.priceBuckets': spec.pretrain?.encoder?.priceBuckets, 'finetune.exampleWeight': spec.finetune?.exampleWeight,
      }).filter(([, x]) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) as Record<string, string | number | boolean>,
      failure,
    },
    steps,
    training: trainingCurves(records),
    metrics: modelMetrics(records),
    coldItems: coldItemRows(records),
    search: await searchOf(ctx),
    comparison: await comparisonOf(ctx),
    values: await valueDistributions(ctx),
    quarantine: await quarantineOf(ctx),
    quarantinedCount: records.values[0] ? records.values[0].count - records.values[0].keptCount : undefined,
    rejects: await rejectsOf(ctx),
  };
}
