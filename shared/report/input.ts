// The one object a run report is built from. The lead fills it from lineage and metrics
// (Postgres) and artifact manifests; every section past the run summary is optional, because
// a run that stopped half-way still deserves a report of what exists.
import { z } from 'zod';
import { issueLines } from '../config/zod-issues';

const isoTime = z.iso.datetime({ offset: true });
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const unitInterval = finite.refine((x) => x >= 0 && x <= 1, 'must be within [0, 1]');

export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed-out']);
export const StepStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']);

export const RunFailure = z.object({
  /** the step that failed, when the failure belongs to one */
  step: z.string().min(1).optional(),
  /** error type, e.g. `ValidationError` (non-retryable) or `ApplicationFailure` */
  type: z.string().min(1).optional(),
  message: z.string().min(1),
});

export const RunSummary = z.object({
  runId: z.string().min(1),
  /** pipeline spec name or path, e.g. `specs/ml-100k.yaml` */
  spec: z.string().min(1),
  specDigest: z.string().min(1).optional(),
  dataset: z.string().min(1),
  partition: z.string().min(1),
  codeVersion: z.string().min(1),
  status: RunStatus,
  startedAt: isoTime,
  finishedAt: isoTime.optional(),
  /** link to the workflow in the Temporal UI */
  temporalWorkflowId: z.string().min(1),
  temporalUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** the settings a reader compares runs by (valuation method, keep, λ, epochs …) */
  config: z.record(z.string(), z.union([z.string(), finite, z.boolean()])).default({}),
  failure: RunFailure.optional(),
});

export const StepRecord = z.object({
  /** pipeline step name, in pipeline order: preprocess, pretrain, value, finetune, infer … */
  name: z.string().min(1),
  status: StepStatus,
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
  attempts: z.number().int().min(0).default(1),
  cacheHit: z.boolean().default(false),
  /** tfjs backend the step ran on: tensorflow, wasm, cpu … */
  backend: z.string().min(1).optional(),
  /** device: `cpu`, `cuda:0` … */
  device: z.string().min(1).optional(),
  worker: z.string().min(1).optional(),
  error: z.string().min(1).optional(),
});

export const TrainingPoint = z.object({
  phase: z.enum(['pretrain', 'finetune']),
  /** pretraining is usually shared by both arms, hence `shared` */
  variant: z.enum(['control', 'valued', 'shared']),
  split: z.enum(['train', 'valid']).default('train'),
  epoch: z.number().int().min(0),
  loss: finite,
});

export const ModelMetrics = z.object({
  model: z.string().min(1),
  role: z.enum(['valued', 'control', 'baseline']),
  ndcg10: unitInterval,
  /** absent when the run did not compute it: shown as "not computed", never as 0 */
  hr10: unitInterval.optional(),
  mrr: unitInterval.optional(),
  auc: unitInterval.optional(),
  trainingExamples: z.number().int().min(0).optional(),
  trainSeconds: finite.optional(),
});

/** Valued minus control on one metric, paired over the test users both models were scored on. */
export const PairedComparison = z.object({
  /** display name, e.g. `NDCG@10` */
  metric: z.string().min(1),
  valued: finite,
  control: finite,
  difference: finite,
  /** the 95 % interval of the difference; absent with fewer than two users */
  low: finite.optional(),
  high: finite.optional(),
  users: z.number().int().min(0),
});

export const HistogramBin = z.object({ start: finite, end: finite, count: z.number().int().min(0) });

export const ValueDistribution = z
  .object({
    method: z.string().min(1),
    /** raw per-example values (a sample is fine, with `count` saying of how many); binned here */
    values: z.array(finite).optional(),
    /** examples valued in all, when `values` is a sample of them */
    count: z.number().int().min(0).optional(),
    /** examples the selection kept (exact, from the value step) */
    keptCount: z.number().int().min(0).optional(),
    /** or bins computed elsewhere, e.g. stored as a value summary */
    bins: z.array(HistogramBin).optional(),
    /** selection threshold: examples at or above it went to the important set */
    threshold: finite.optional(),
  })
  .refine((d) => (d.values === undefined) !== (d.bins === undefined), {
    message: 'give exactly one of `values` (raw) or `bins` (pre-binned)',
  });

export const DetectionScore = z.object({
  method: z.string().min(1),
  auc: unitInterval,
  f1: unitInterval,
  precision: unitInterval.optional(),
  recall: unitInterval.optional(),
});

export const Detection = z.object({
  /** what the ground truth is, e.g. "planted label flips (5%) from the synthetic generator" */
  groundTruth: z.string().min(1),
  scores: z.array(DetectionScore).min(1),
});

export const RemovalPoint = z.object({
  method: z.string().min(1),
  order: z.enum(['lowest', 'highest', 'random']),
  fractionRemoved: unitInterval,
  ndcg10: unitInterval,
});

export const QuarantineExample = z.object({
  exampleId: z.string().min(1),
  userId: z.string().min(1).optional(),
  query: z.string().optional(),
  itemId: z.string().min(1),
  itemTitle: z.string().optional(),
  /** the label the data says (e.g. `purchase`, or a graded relevance) */
  observedLabel: z.union([z.string(), finite]),
  /** the fine-tuned model's score for the positive class, in [0, 1] */
  modelScore: unitInterval,
  /** how strongly the model disagrees with the label; higher = more suspicious */
  contradiction: finite,
  value: finite.optional(),
});

export const RejectExample = z.object({
  file: z.string().min(1),
  line: z.number().int().min(1),
  reason: z.string().min(1),
  /** the offending text, truncated by the reader */
  excerpt: z.string().optional(),
});

export const RejectsByFile = z.object({
  file: z.string().min(1),
  /** rows the adapter read from the file; absent for rejects not tied to a read file */
  rowsRead: z.number().int().min(0).optional(),
  rejected: z.number().int().min(0),
});

export const Rejects = z.object({
  rowsRead: z.number().int().min(0).optional(),
  /** each file apart: an event row and an item row are not the same kind of thing */
  byFile: z.array(RejectsByFile).default([]),
  byReason: z.array(z.object({ reason: z.string().min(1), count: z.number().int().min(0) })),
  examples: z.array(RejectExample).default([]),
});

/** Query ranking on held-out queries (infer.search): one row per ranker, test NDCG@10 with graded gains. */
export const SearchMethod = z.object({
  /** `bm25`, `zero-shot`, `head` (pipeline-search.ts) */
  method: z.string().min(1),
  ndcg10: unitInterval,
  /** over test queries; absent with a single query */
  standardError: finite.refine((x) => x >= 0, 'must be ≥ 0').optional(),
});

/** A learned ranker minus BM25 on test NDCG@10, paired over the test queries both ranked. */
export const SearchVsBm25 = z.object({
  method: z.string().min(1),
  difference: finite,
  /** the 95 % interval; absent with fewer than two queries */
  low: finite.optional(),
  high: finite.optional(),
  queries: z.number().int().min(0),
});

export const SearchReport = z.object({
  methods: z.array(SearchMethod).min(1),
  testQueries: z.number().int().min(0),
  trainQueries: z.number().int().min(0).optional(),
  vsBm25: z.array(SearchVsBm25).optional(),
  /** with click valuation: the training clicks valued, those the head did not train on, and the keep share chosen on validation queries */
  clicks: z
    .object({
      valued: z.number().int().min(0),
      quarantined: z.number().int().min(0),
      keep: unitInterval,
      byKeep: z.array(z.object({ keep: unitInterval, validation: unitInterval })).optional(),
    })
    .optional(),
});

export const RunReportInput = z.object({
  /** when the report was built; a step still running is drawn up to this time */
  generatedAt: isoTime,
  run: RunSummary,
  steps: z.array(StepRecord).default([]),
  training: z.array(TrainingPoint).optional(),
  metrics: z.array(ModelMetrics).optional(),
  /**
   * with item text: the test targets whose item no training row reached, ranked by their text
   * alone, per model (most-popular beside them); absent otherwise
   */
  coldItems: z.array(z.object({ model: z.string().min(1), ndcg10: unitInterval, hr10: unitInterval.optional(), targets: z.number().int().min(0) })).optional(),
  /** with infer.search: the rankers on held-out queries; absent otherwise */
  search: SearchReport.optional(),
  /** valued vs control on every headline metric with paired intervals, when the run had a control */
  comparison: z.array(PairedComparison).optional(),
  values: z.array(ValueDistribution).optional(),
  detection: Detection.optional(),
  pointRemoval: z.array(RemovalPoint).optional(),
  quarantine: z.array(QuarantineExample).optional(),
  /** how many examples were quarantined in all; `quarantine` may list only the most contradicted */
  quarantinedCount: z.number().int().min(0).optional(),
  rejects: Rejects.optional(),
});

/** What callers build (defaults may be left out). */
export type RunReportInput = z.input<typeof RunReportInput>;
/** What the report code reads, after validation and defaults. */
export type RunReport = z.infer<typeof RunReportInput>;
export type StepRecordT = z.infer<typeof StepRecord>;
export type TrainingPointT = z.infer<typeof TrainingPoint>;
export type ModelMetricsT = z.infer<typeof ModelMetrics>;
export type ValueDistributionT = z.infer<typeof ValueDistribution>;
export type HistogramBinT = z.infer<typeof HistogramBin>;
export type DetectionScoreT = z.infer<typeof DetectionScore>;
export type RemovalPointT = z.infer<typeof RemovalPoint>;
export type QuarantineExampleT = z.infer<typeof QuarantineExample>;
export type RejectsT = z.infer<typeof Rejects>;
export type PairedComparisonT = z.infer<typeof PairedComparison>;
export type SearchReportT = z.infer<typeof SearchReport>;

/** Validates a report input; a bad field is named by its path, so the caller knows what to fix. */
export function parseRunReportInput(input: unknown): RunReport {
  const parsed = RunReportInput.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = issueLines(parsed.error, { indent: '  ' });
  throw new Error(
    `Invalid run report input (${lines.length} problem(s)):\n${lines.join('\n')}\n` +
      'Fix the field(s) above where the RunReportInput is assembled (lineage/metrics → report).',
  );
}
