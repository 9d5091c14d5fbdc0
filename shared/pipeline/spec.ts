// The pipeline spec a user writes (JSON): which data, which partition, and every knob of the
// five steps. One zod schema is the source of truth; errors name the file, the field path and
// the reason, and the CLI validates a spec before any workflow starts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DataSourceConfigSchema } from '../data/source-config';
import { WEIGHT_COLUMNS } from '../data/types';
import { FinetuneConfigSchema, PretrainConfigSchema, TruncateSchema } from '../ml/config';
import { CrossFitSettings } from '../valuation/cross-fit-config';
import { QuarantineModeSchema } from '../valuation/quarantine';
import { EarlyStoppingSchema } from './steps/early-stopping';
import { STEPS, type StepName } from './contract';
import { jsonErrorOffset, lineColumn } from '../config/json-error-offset';
import { clipText, MAX_DETAIL_CHARS } from '../data/bounded-text';
import { describeUnknownKey, unknownKeys } from '../config/unknown-keys';
import { defaultRootsFor } from './source-roots';
import { searchComparisonSchema } from '../search/search-spec';

export const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use 1-63 letters, digits, dot, dash or underscore (it becomes part of workflow ids and artifact keys)');

/**
 * knn-shapley, data-oob, tracin, loss and random value the pretrained encoder's labelled view
 * (shared/valuation/implicit.ts); cross-fit values each interaction by held-out warm-up
 * fine-tunes of the model actually trained (shared/valuation/cross-fit.ts).
 */
export const VALUATION_METHODS = ['knn-shapley', 'data-oob', 'tracin', 'loss', 'random', 'cross-fit', 'dynamics'] as const;
type ValuationMethodName = (typeof VALUATION_METHODS)[number];
/** methods that value with warm-up fine-tunes of the model that is actually trained (they read the finetune settings) */
export type TrainedValuationMethod = Extract<ValuationMethodName, 'cross-fit' | 'dynamics'>;
export const valuesByTraining = (method: ValuationMethodName): method is TrainedValuationMethod => method === 'cross-fit' || method === 'dynamics';

export const ValuationSpecSchema = z.object({
  method: z.enum(VALUATION_METHODS).default('knn-shapley'),
  /** what one value is given to: an interaction, a session or a user */
  unit: z.enum(['interaction', 'session', 'user']).default('interaction'),
  /** KNN-Shapley's K */
  k: z.number().int().min(1).default(10),
  /** Data-OOB's number of bagged learners */
  bags: z.number().int().min(2).default(32),
  /** sampled negatives per observed interaction in the labelled (implicit-feedback) view */
  negatives: z.number().int().min(1).default(1),
  /** the important set: the top `keep` fraction by value (or everything above `threshold`) */
  keep: z.number().gt(0, 'keep must be in (0, 1]').max(1, 'keep must be in (0, 1]').default(0.8),
  threshold: z.number().min(0).max(1).optional(),
  /** weight of the value term: (1 + λ·α·v̂) */
  lambda: z.number().min(0).default(1),
  alpha: z.number().min(0).default(1),
  /** newest items of each example's context the encoder reads (one encoding per example) */
  contextLen: z.number().int().min(1).default(20),
  /** validation points used as the utility (a sample keeps valuation fast on 2 cores) */
  maxValidPoints: z.number().int().min(1).default(2000),
  /** cross-fit: folds, warmupEpochs, score; dynamics: warmupEpochs */
  ...CrossFitSettings,
  /** interactions outside the important set: kept in histories as context ('context') or dropped from fine-tuning altogether ('drop') */
  quarantine: QuarantineModeSchema.default('context'),
  /** the valued fine-tune also drops each batch's largest-loss targets (T-CE); off when absent */
  truncate: TruncateSchema.optional(),
});

/** The training config plus what the pipeline does around the loop. */
export const FinetuneSpecSchema = FinetuneConfigSchema.extend({
  /** stop on the validation split (NDCG@k every `every` epochs, `patience` scorings without a gain) and keep the best epoch; off when absent */
  earlyStopping: EarlyStoppingSchema.optional(),
  /**
   * weigh each training target by the events' quantity or value column (log1p, scaled to mean 1,
   * capped: shared/ml/example-weights.ts), multiplying the valuation weight; absent = 'none'
   */
  exampleWeight: z.enum(['none', ...WEIGHT_COLUMNS]).optional(),
});

export const InferSpecSchema = z.object({
  k: z.number().int().min(1).max(1000).default(10),
  /**
   * leave out of the ranking the items a user already interacted with (one-off purchases);
   * false keeps them as candidates, so repeat consumption (groceries, consumables) can count
   * as hits — the models and the baselines are evaluated the same way
   */
  excludeSeen: z.boolean().default(true),
  /** users scored per block in full ranking */
  blockSize: z.number().int().min(1).default(256),
  ease: z.object({ lambda: z.number().positive().default(250), maxItems: z.number().int().min(10).default(3000) }).prefault({}),
  itemKnn: z.object({ neighbours: z.number().int().min(1).default(100) }).prefault({}),
  /** quarantined examples the fine-tuned model contradicts most, listed in the report */
  quarantineTop: z.number().int().min(1).default(20),
  /** quarantined examples scored against the whole catalogue (a seeded sample beyond this) */
  quarantineMaxScored: z.number().int().min(1).default(5000),
  /** rank items for held-out queries (BM25, zero-shot encoder, trained head) and put NDCG@10 in the step metrics; needs the text model (bash infra/setup.sh --text-model) */
  search: searchComparisonSchema.optional(),
});

/**
 * How long an outage (store, database, network) is waited out. A step's failed attempts are
 * retried with exponential backoff until the budget is spent, with no cap on the number of
 * attempts inside it; only invalid input fails at once. The budget is the activities'
 * schedule-to-close time on top of the step's own timeout, so a step that may run for its
 * full timeout still has the whole budget to wait out an outage.
 */
export const RetrySpecSchema = z.object({
  /** total time spent retrying a failing step or bookkeeping write */
  budgetSeconds: z.number().int().min(1).default(1800),
  /** the wait before the first retry; it doubles after each failed attempt */
  initialIntervalSeconds: z.number().min(0.1).default(2),
  /** the longest wait between two attempts */
  maximumIntervalSeconds: z.number().min(0.1).default(60),
}).prefault({}).refine((r) => r.maximumIntervalSeconds >= r.initialIntervalSeconds, { message: 'maximumIntervalSeconds must be at least initialIntervalSeconds', path: ['maximumIntervalSeconds'] });

const defaultTimeouts: Record<StepName, number> = { preprocess: 900, pretrain: 3600, value: 1800, finetune: 3600, infer: 1800, report: 300 };

export const PipelineSpecSchema = z.object({
  dataset: slug,
  partition: slug.default('full'),
  /** `{partition}` in source paths is replaced by the partition */
  source: DataSourceConfigSchema,
  pretrain: PretrainConfigSchema.prefault({}),
  valuation: ValuationSpecSchema.prefault({}),
  finetune: FinetuneSpecSchema.prefault({}),
  infer: InferSpecSchema.prefault({}),
  /** also fine-tune without valuation (λ = 0, keep = 1): the comparison every report shows */
  control: z.boolean().default(true),
  /** per-step start-to-close timeouts in seconds */
  timeouts: z.object(Object.fromEntries(STEPS.map((s) => [s, z.number().int().min(10).default(defaultTimeouts[s])])) as Record<StepName, z.ZodDefault<z.ZodNumber>>).prefault({}),
  retry: RetrySpecSchema,
  /** a step that sends no heartbeat for this long is retried elsewhere (a lost worker) */
  heartbeatSeconds: z.number().int().min(1).default(60),
  taskQueues: z.object({ cpu: slug.default('assay-cpu'), accelerator: slug.default('assay-accelerator') }).prefault({}),
  /** filled by the client: the code version recorded with the run */
  codeVersion: z.string().default('dev'),
});
export type PipelineSpec = z.output<typeof PipelineSpecSchema>;
export type PipelineSpecInput = z.input<typeof PipelineSpecSchema>;

export class SpecError extends Error {
  override name = 'SpecError';
}

/** One line per problem: `where: field.path: reason`, each clipped so a hostile value cannot flood the message. */
function formatProblems(lines: readonly string[], where: string): string {
  return lines.map((line) => `  ${where}: ${clipText(line, MAX_DETAIL_CHARS)}`).join('\n');
}

/** Validates a spec object; `where` names its origin (a file) in messages. Unknown keys are errors too. */
export function parseSpec(input: unknown, where = 'spec'): PipelineSpec {
  const parsed = PipelineSpecSchema.safeParse(input);
  const problems = [
    ...unknownKeys(PipelineSpecSchema, input).map(describeUnknownKey),
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)),
  ];
  if (problems.length > 0 || !parsed.success) {
    throw new SpecError(`Invalid pipeline spec:\n${formatProblems(problems, where)}\nFix the field(s) above; docs/data-format.md describes the spec's source and the input columns (also \`assay spec\`), specs/ has examples.`);
  }
  return parsed.data;
}

/** Reads a JSON spec file; a syntax error names file:line:column, a schema error the field. */
export function loadSpecFile(file: string, overrides: Partial<PipelineSpecInput> = {}): PipelineSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SpecError(`Cannot read spec file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    const where = offset !== undefined ? `${file}:${lineColumn(text, offset)}` : file;
    throw new SpecError(`${where}: not valid JSON (${(err as Error).message}). Fix the syntax and run again.`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SpecError(`${file}: a spec must be a JSON object.`);
  const merged = { ...(raw as Record<string, unknown>), ...stripUndefined(overrides) };
  const spec = parseSpec(merged, file);
  return resolvePaths(spec, path.dirname(path.resolve(file)));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mapSourcePaths(spec: PipelineSpec, f: (p: string) => string): PipelineSpec {
  const source = spec.source;
  if ('path' in source) return { ...spec, source: { ...source, path: f(source.path) } };
  const paths = Object.fromEntries(Object.entries(source.paths).map(([k, v]) => [k, v === undefined ? v : f(v)])) as typeof source.paths;
  return { ...spec, source: { ...source, paths } };
}

/**
 * Source paths and allowed roots are relative to the spec file, so a spec works from any
 * working directory; without declared roots the spec may read its own folder and the shared data.
 */
function resolvePaths(spec: PipelineSpec, base: string): PipelineSpec {
  const resolved = mapSourcePaths(spec, (p) => path.resolve(base, p));
  const allowedRoots = spec.source.allowedRoots?.map((root) => path.resolve(base, root)) ?? defaultRootsFor(base);
  return { ...resolved, source: { ...resolved.source, allowedRoots } };
}

/** The data source of the spec's partition (the backfill changes the partition per child). */
export function sourceForPartition(spec: PipelineSpec): PipelineSpec['source'] {
  return mapSourcePaths(spec, (p) => p.replaceAll('{partition}', spec.partition)).source;
}
