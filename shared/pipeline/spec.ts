// The pipeline spec a user writes (JSON): which data, which partition, and every knob of the
// five steps. One zod schema is the source of truth; errors name the file, the field path and
// the reason, and the CLI validates a spec before any workflow starts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DataSourceConfigSchema } from '../data/source-config';
import { WEIGHT_COLUMNS } from '../data/types';
import { FinetuneConfigSchema, ItemTextConfigSchema, PretrainConfigSchema, TruncateSchema } from '../ml/config';
import { CrossFitSettings } from '../valuation/cross-fit-config';
import { DYNAMICS_SCORES } from '../valuation/training-dynamics-config';
import { QuarantineModeSchema } from '../valuation/quarantine';
import { EarlyStoppingSchema } from './steps/early-stopping';
import { STEPS, type StepName } from './contract';
import { jsonErrorOffset, lineColumn } from '../config/json-error-offset';
import { clipText, MAX_DETAIL_CHARS } from '../data/bounded-text';
import { describeUnknownKey, unknownKeys } from '../config/unknown-keys';
import { defaultRootsFor } from './source-roots';
import { datasetFolder, DatasetNotFoundError } from '../data/data-folder';
import { issueLines } from '../config/zod-issues';
import { searchComparisonSchema } from '../search/search-spec';

export const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use 1-63 letters, digits, dot, dash or underscore (it becomes part of workflow ids and artifact keys)');

/**
 * knn-shapley, data-oob, tracin, loss and random value the pretrained encoder's labelled view
 * (shared/valuation/implicit.ts); cross-fit values each interaction by held-out warm-up
 * fine-tunes of the model actually trained (shared/valuation/cross-fit.ts).
 */
export const VALUATION_METHODS = ['knn-shapley', 'data-oob', 'tracin', 'loss', 'random', 'cross-fit', 'dynamics', 'tracin-output', 'dealrec'] as const;
export type ValuationMethod = (typeof VALUATION_METHODS)[number];
type ValuationMethodName = ValuationMethod;
/** methods that value with warm-up fine-tunes of the model that is actually trained (they read the finetune settings) */
export const TRAINED_VALUATION_METHODS = ['cross-fit', 'dynamics', 'tracin-output', 'dealrec'] as const satisfies readonly ValuationMethodName[];
export type TrainedValuationMethod = (typeof TRAINED_VALUATION_METHODS)[number];

/** The important set's size when a spec sets neither `keep` nor `threshold`. */
export const DEFAULT_KEEP = 0.8;

/** What every method shares: the unit valued, the important set, its weights, the seed. */
const selectionFields = {
  unit: z.enum(['interaction', 'session', 'user']).default('interaction').describe('what one value is given to: each interaction, or every interaction of a session or a user alike (their mean value)'),
  keep: z.number().gt(0, 'keep must be in (0, 1]').max(1, 'keep must be in (0, 1]').optional()
    .describe(`the important set S: the top \`keep\` fraction of the units by value; ${DEFAULT_KEEP} when neither keep nor threshold is set; not with threshold`),
  threshold: z.number().min(0).max(1).optional().describe('the important set S: every unit whose normalised value v̂ (its rank in [0, 1]) is at least this; not with keep'),
  lambda: z.number().min(0).default(1).describe('λ in the fine-tuning weight 1 + λ·α·v̂ of an example in S; 0 trains S unweighted'),
  alpha: z.number().min(0).default(1).describe('α in the fine-tuning weight 1 + λ·α·v̂ (the scale of the value term)'),
  strata: z.number().int().min(2).optional().describe("the important set S drawn evenly across this many equal-width bands of value, the keep share spread over the whole range (DEALRec's coverage-enhanced selection) instead of the top; with keep, not threshold; absent: the top"),
  seed: z.number().int().optional().describe("the seed of the method's random draws (sampled negatives, validation sample, bags, folds); default: pretrain.seed"),
};

/** The labelled view's sizes, read by the methods that value the pretrained encoder's embeddings. */
const labelledViewFields = {
  negatives: z.number().int().min(1).default(1).describe('sampled negative items per observed interaction in the labelled (implicit-feedback) view'),
  contextLen: z.number().int().min(1).default(20).describe("newest items of each example's context the encoder reads (one encoding per training example)"),
  maxValidPoints: z.number().int().min(1).default(2000).describe('validation interactions sampled as the utility the values are measured against'),
};

/** Units with both keep and threshold set are refused: one of the two decides S. */
const oneSelectionRule = (v: { keep?: number; threshold?: number; strata?: number }) => v.keep === undefined || v.threshold === undefined;
const ONE_SELECTION_RULE = { message: 'set keep (the top fraction) or threshold (a least normalised value), not both', path: ['threshold'] };
/** strata spreads a keep share: a threshold leaves none to spread. */
const strataWithKeep = (v: { threshold?: number; strata?: number }) => v.strata === undefined || v.threshold === undefined;
const STRATA_WITH_KEEP = { message: 'strata spreads the keep share over bands of value; set keep, not threshold', path: ['strata'] };

/** Each method-specific setting, declared once: the variants below take theirs from here. */
const methodSettings = {
  k: z.number().int().min(1).default(10).describe('K, the neighbours of each validation point'),
  bags: z.number().int().min(2).default(32).describe('bagged learners'),
  folds: CrossFitSettings.folds.describe('folds, each valued by a warm-up fine-tune on the others'),
  warmupEpochs: CrossFitSettings.warmupEpochs.describe('epochs of each warm-up fine-tune (the finetune settings otherwise)'),
  score: CrossFitSettings.score.describe('the value: log p(item | context), or the share of the catalogue the item outranks'),
  scoreItems: CrossFitSettings.scoreItems.describe('score against this many catalogue items drawn once (unset: the whole catalogue); for catalogues of tens of thousands of items'),
  rounds: CrossFitSettings.rounds.describe("rounds of cross-fit; each later round's fold models train only on the rows the previous round kept (refitKeep)"),
  refitKeep: CrossFitSettings.refitKeep.describe("the share of rows, highest values first, a later round's fold models train on"),
  directions: CrossFitSettings.directions.describe("'both': each fold is also valued from the items after each interaction (a model of the reversed histories) and the value is the mean of the two; twice the warm-ups"),
  dynamicsScore: z.enum(DYNAMICS_SCORES).default('mean-loss').describe("which reading of the warm-up's logs: 'mean-loss' (−mean loss over the epochs), 'margin' (mean margin of the target over the best other item), 'loss-trend' (minus the loss's slope over the epochs), 'forgetting' (minus the times the target left the top 10 items from one epoch to the next)"),
  influencePoints: z.number().int().min(1).default(2000).describe('training interactions sampled into the summed training gradient the influence is taken against'),
  effortWeight: z.number().min(0).default(1).describe("the effort's weight beside the influence, both standardised (DEALRec's λ)"),
  refreshes: z.number().int().min(1).optional().describe("values refreshed during the valued fine-tune: the warm-up runs this many segments of warmupEpochs epochs, each from the last one's model, and after each moves a further share of the interactions out by the reading of every epoch so far ((1 − keep) spread evenly); the valued fine-tune then trains the rest of finetune.epochs from the last segment's model instead of starting over. With keep, unit 'interaction' and quarantine 'context', 'drop' or 'hidden'; absent: the warm-up only values (docs/decisions/0023-values-refreshed-during-the-fine-tune.md)"),
  lastBlock: z.boolean().default(false).describe("also differentiate the last Transformer block's output projection (its FFN's second layer), not the item table alone"),
};

/** cross-fit's variant: every setting its config declares, so one added there needs no naming here */
const crossFitFields = Object.fromEntries(Object.keys(CrossFitSettings).map((key) => [key, methodSettings[key as keyof typeof CrossFitSettings]])) as { [K in keyof typeof CrossFitSettings]: (typeof methodSettings)[K] };

/** What the important set does to fine-tuning, whatever the method. */
const quarantineFields = {
  quarantine: QuarantineModeSchema.default('context').describe("interactions outside the important set: kept in histories as context ('context'), dropped from fine-tuning altogether ('drop'), dropped and also left out of the histories the valued model reads at validation and inference ('hidden'), or left out of everything the valued model learns from and reads ('everywhere': as 'hidden', and it is pretrained again on the kept interactions — a second pretrain); inference reads full histories otherwise"),
  truncate: TruncateSchema.optional().describe("the valued fine-tune also drops each batch's largest-loss targets (T-CE); off when absent"),
};

const METHOD_DESCRIPTIONS: Record<ValuationMethod, string> = {
  'knn-shapley': 'exact KNN-Shapley (Jia et al., VLDB 2019) on the pretrained embeddings, the validation sample as utility',
  'data-oob': 'Data-OOB (Kwon & Zou, ICML 2023): out-of-bag correctness of bagged learners on the embeddings',
  tracin: "TracIn self-influence from a short probe's checkpoints",
  loss: "baseline: a probe's loss on each example",
  random: 'baseline: a seeded random value per example',
  'cross-fit': 'held-out warm-up fine-tunes of the model actually trained score the interactions they never trained on (docs/decisions/0001-valuation-cross-fit.md)',
  dynamics: 'the losses one warm-up fine-tune logs as it trains (no scoring pass over the catalogue)',
  'tracin-output': "TracIn through the output layer of one warm-up fine-tune: each interaction's loss gradient on the item table against the summed validation gradient (shared/valuation/tracin-output.ts)",
  dealrec: "DEALRec (Lin et al., SIGIR 2024) through the output layer: influence on the training loss under one warm-up fine-tune plus the effort (gradient norm) under the pretrained encoder (shared/valuation/dealrec.ts)",
};

function variant<M extends ValuationMethod, F extends z.ZodRawShape>(method: M, fields: F) {
  return z.object({ method: z.literal(method).describe(`${method}: ${METHOD_DESCRIPTIONS[method]}`), ...fields, ...selectionFields, ...quarantineFields })
    .refine((v) => oneSelectionRule(v as { keep?: number; threshold?: number }), ONE_SELECTION_RULE)
    .refine((v) => strataWithKeep(v as { threshold?: number; strata?: number }), STRATA_WITH_KEEP);
}

/**
 * The valuation, as a spec file writes it and the pipeline reads it: one variant per method,
 * each with the settings that method reads (and the important set's, which all share), so a
 * method's settings exist on that method alone. docs/spec.md is generated from this.
 */
export const ValuationSpecSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('knn-shapley').default('knn-shapley').describe(`knn-shapley (the default): ${METHOD_DESCRIPTIONS['knn-shapley']}`),
    k: methodSettings.k,
    ...labelledViewFields,
    ...selectionFields,
    ...quarantineFields,
  }).refine(oneSelectionRule, ONE_SELECTION_RULE).refine(strataWithKeep, STRATA_WITH_KEEP),
  variant('data-oob', { bags: methodSettings.bags, ...labelledViewFields }),
  variant('tracin', labelledViewFields),
  variant('loss', labelledViewFields),
  variant('random', labelledViewFields),
  variant('cross-fit', crossFitFields),
  variant('dynamics', { warmupEpochs: methodSettings.warmupEpochs, dynamicsScore: methodSettings.dynamicsScore, refreshes: methodSettings.refreshes })
    .refine((v) => v.refreshes === undefined || (v.threshold === undefined && v.strata === undefined), { message: 'refreshes moves the top keep share out step by step; set keep, not threshold or strata', path: ['refreshes'] })
    .refine((v) => v.refreshes === undefined || v.unit === 'interaction', { message: "refreshes moves interactions out one by one; set unit 'interaction'", path: ['refreshes'] })
    .refine((v) => v.refreshes === undefined || v.quarantine !== 'everywhere', { message: "refreshes continues the warm-up's model, and quarantine 'everywhere' pretrains a new one on the kept rows; set quarantine 'hidden' (the same without the second pretrain), 'drop' or 'context'", path: ['refreshes'] }),
  variant('tracin-output', { warmupEpochs: methodSettings.warmupEpochs, maxValidPoints: labelledViewFields.maxValidPoints, lastBlock: methodSettings.lastBlock }),
  variant('dealrec', { warmupEpochs: methodSettings.warmupEpochs, influencePoints: methodSettings.influencePoints, effortWeight: methodSettings.effortWeight }),
], { error: (issue) => (issue.code === 'invalid_union' ? `unknown method; choose one of ${VALUATION_METHODS.join(', ')}` : undefined) });
export type ValuationSpec = z.output<typeof ValuationSpecSchema>;
/** The valuation of one method: its settings and the shared ones. */
export type ValuationOf<M extends ValuationMethod> = Extract<ValuationSpec, { method: M }>;
/** A valuation by warm-up fine-tunes of the model that is trained, narrowed to those methods' settings. */
export const isTrainedValuation = (v: ValuationSpec): v is ValuationOf<TrainedValuationMethod> => (TRAINED_VALUATION_METHODS as readonly string[]).includes(v.method);
/** The methods that value the pretrained encoder's labelled view (they read its sizes). */
export type LabelledViewValuation = ValuationOf<Exclude<ValuationMethod, TrainedValuationMethod>>;
/** The labelled view's sizes, with their defaults (what a labelled-view method reads of them). */
export const LabelledViewSchema = z.object(labelledViewFields);
export type LabelledView = z.output<typeof LabelledViewSchema>;

/** The union's variant of `method`. */
function variantOf(method: ValuationMethod) {
  return ValuationSpecSchema.options.find((o) => o.shape.method.safeParse(method).success)!;
}

/** The valuation of `method` from `settings`: those the method reads, its defaults for the rest (the benches value one setting with several methods). */
export function valuationOf<M extends ValuationMethod>(method: M, settings: Record<string, unknown>): ValuationOf<M> {
  const own = variantOf(method);
  return own.parse({ ...Object.fromEntries(Object.entries(settings).filter(([key]) => key in own.shape)), method }) as ValuationOf<M>;
}

/**
 * Settings added after runs were recorded with specs that lacked them: the digest form leaves
 * each out while it is at its default, so those specs digest as they did.
 */
const LATER_SETTING_DEFAULTS: Record<string, unknown> = z.object({
  rounds: methodSettings.rounds,
  refitKeep: methodSettings.refitKeep,
  directions: methodSettings.directions,
  dynamicsScore: methodSettings.dynamicsScore,
  influencePoints: methodSettings.influencePoints,
  effortWeight: methodSettings.effortWeight,
  lastBlock: methodSettings.lastBlock,
}).parse({});

/** Every method's own settings at their defaults (the later ones apart). */
const METHOD_SETTING_DEFAULTS: Record<string, unknown> = Object.fromEntries(
  Object.entries(z.object({ ...methodSettings, ...labelledViewFields }).parse({})).filter(([key]) => !(key in LATER_SETTING_DEFAULTS)),
);

/**
 * The valuation as the spec digest reads it (pipeline-identity.ts): its method's settings over
 * the defaults of every other method's. The digest identifies a spec across the runs recorded
 * with it, so its form stays fixed while the parsed valuation carries its method's settings alone.
 */
export function valuationDigestForm(valuation: ValuationSpec): Record<string, unknown> {
  const form: Record<string, unknown> = { ...METHOD_SETTING_DEFAULTS, ...valuation };
  for (const [key, value] of Object.entries(LATER_SETTING_DEFAULTS)) if (form[key] === value) delete form[key];
  return form;
}

/**
 * Settings a spec gives its valuation that its method never reads (`k` with cross-fit): one
 * problem line each, naming the methods the setting belongs to.
 */
export function settingsOfOtherMethods(valuation: unknown): string[] {
  if (valuation === null || typeof valuation !== 'object' || Array.isArray(valuation)) return [];
  const v = valuation as Record<string, unknown>;
  const method = (v.method ?? 'knn-shapley') as ValuationMethod;
  if (!VALUATION_METHODS.includes(method)) return [];
  return Object.keys(v).flatMap((key) => {
    const methods = VALUATION_METHODS.filter((m) => key in variantOf(m).shape);
    return methods.length > 0 && !methods.includes(method) ? [`valuation.${key}: a setting of ${methods.join(', ')} only; this spec's method is ${method}, which does not read it: remove it (or change the method)`] : [];
  });
}

/** A parsed spec as a spec file may say it (what `loadSpecFile` accepts back): without the code version the CLI sets. */
export function specFileContents(spec: PipelineSpec): Record<string, unknown> {
  const { codeVersion: _setByCli, ...rest } = spec;
  return rest;
}

/** The seed of the valuation's draws: its own, or the pretraining seed when the spec sets none. */
export function valuationSeed(spec: Pick<PipelineSpec, 'valuation' | 'pretrain'>): number {
  return spec.valuation.seed ?? spec.pretrain.seed;
}

/** The important-set rule of a valuation: its threshold, or its keep fraction (default DEFAULT_KEEP). */
export function selectionRule(v: ValuationSpec): { keep: number; lambda: number; alpha: number; strata?: number } | { threshold: number; lambda: number; alpha: number } {
  if (v.threshold !== undefined) return { threshold: v.threshold, lambda: v.lambda, alpha: v.alpha };
  return { keep: v.keep ?? DEFAULT_KEEP, lambda: v.lambda, alpha: v.alpha, ...(v.strata !== undefined && { strata: v.strata }) };
}

/** The training config plus what the pipeline does around the loop. */
export const FinetuneSpecSchema = FinetuneConfigSchema.extend({
  earlyStopping: EarlyStoppingSchema.optional().describe('stop on the validation split (NDCG@k every `every` epochs, `patience` scorings without a gain) and keep the best epoch; off when absent'),
  exampleWeight: z.enum(['none', ...WEIGHT_COLUMNS]).optional()
    .describe("weigh each training target by the events' quantity or value column (log1p, scaled to mean 1, capped: shared/ml/example-weights.ts), multiplying the valuation weight; absent = 'none'"),
});

export const InferSpecSchema = z.object({
  k: z.number().int().min(1).max(1000).default(10).describe('the cut-off K of NDCG@K, HR@K, Recall@K and of the recommendations listed'),
  excludeSeen: z.boolean().default(true).describe('leave out of the ranking the items a user already interacted with (one-off purchases); false keeps them as candidates, so repeat consumption (groceries, consumables) can count as hits. Models and baselines are evaluated the same way'),
  blockSize: z.number().int().min(1).default(256).describe('users scored per block in full ranking'),
  ease: z.object({
    lambda: z.number().positive().default(250).describe("EASE's L2 regularisation λ"),
    maxItems: z.number().int().min(10).default(3000).describe('EASE runs on this many most frequent items (docs/decisions/0013-ease-item-limit.md); the restriction is printed beside its figures'),
  }).prefault({}).describe('the EASE baseline'),
  itemKnn: z.object({
    neighbours: z.number().int().min(1).default(100).describe('most similar items kept per item'),
  }).prefault({}).describe('the item-kNN baseline'),
  quarantineTop: z.number().int().min(1).default(20).describe('quarantined examples the fine-tuned model contradicts most, listed in the report'),
  quarantineMaxScored: z.number().int().min(1).default(5000).describe('quarantined examples scored against the whole catalogue (a seeded sample beyond this)'),
  search: searchComparisonSchema.optional().describe('rank items for held-out queries (BM25, the zero-shot text encoder, the trained ranking head; shared/search/) and put their NDCG@10 in the infer metrics; needs the text model (bash infra/setup.sh --text-model)'),
});

/**
 * How long an outage (store, database, network) is waited out. A step's failed attempts are
 * retried with exponential backoff until the budget is spent, with no cap on the number of
 * attempts inside it; only invalid input fails at once. The budget is the activities'
 * schedule-to-close time on top of the step's own timeout, so a step that may run for its
 * full timeout still has the whole budget to wait out an outage.
 */
export const RetrySpecSchema = z.object({
  budgetSeconds: z.number().int().min(1).default(1800).describe('total time spent retrying a failing step or bookkeeping write, on top of the step\'s own timeout'),
  initialIntervalSeconds: z.number().min(0.1).default(2).describe('the wait before the first retry; it doubles after each failed attempt'),
  maximumIntervalSeconds: z.number().min(0.1).default(60).describe('the longest wait between two attempts'),
}).prefault({}).refine((r) => r.maximumIntervalSeconds >= r.initialIntervalSeconds, { message: 'maximumIntervalSeconds must be at least initialIntervalSeconds', path: ['maximumIntervalSeconds'] })
  .describe('how long an outage (store, database, network) is waited out: failed attempts retry with exponential backoff until the budget is spent; invalid input fails at once');

const defaultTimeouts: Record<StepName, number> = { preprocess: 900, pretrain: 3600, value: 1800, finetune: 3600, infer: 1800, report: 300 };

export const PipelineSpecSchema = z.object({
  dataset: slug.describe('the name runs of this spec share: part of workflow ids (assay/<dataset>/<partition>), artifact keys and lineage'),
  partition: slug.default('full').describe('the slice of the data this run covers (a day, a region); `{partition}` in source paths is replaced by it'),
  source: DataSourceConfigSchema.describe('where the data is and how it is read and preprocessed'),
  pretrain: PretrainConfigSchema.prefault({}).describe('self-supervised pretraining of the encoder: masked items over user sequences and masked tokens over item texts'),
  itemText: ItemTextConfigSchema.prefault({}).describe('frozen pretrained text embeddings of the items, projected and added to their id embeddings (docs/cold-start.md); off by default'),
  valuation: ValuationSpecSchema.prefault({}).describe('how each training example is valued, and which examples fine-tuning keeps (the important set S) and with what weight'),
  finetune: FinetuneSpecSchema.prefault({}).describe('next-item fine-tuning from the pretrained encoder, on S with weights 1 + λ·α·v̂ (and the control on everything)'),
  infer: InferSpecSchema.prefault({}).describe('full-ranking evaluation on the test split, the baselines and the quarantine listing'),
  control: z.boolean().default(true).describe('also fine-tune without valuation (λ = 0, keep = 1): the comparison every report shows'),
  timeouts: z.object(Object.fromEntries(STEPS.map((s) => [s, z.number().int().min(10).default(defaultTimeouts[s]).describe(`seconds one attempt of the ${s} step may run`)])) as Record<StepName, z.ZodDefault<z.ZodNumber>>).prefault({})
    .describe('per-step start-to-close timeouts in seconds'),
  retry: RetrySpecSchema,
  checkpoints: z.object({
    keep: z.number().int().min(1).default(2).describe('epochs of checkpoints kept in the store per training step, newest first; older ones are deleted as training goes on (a retry resumes from the newest)'),
  }).prefault({}).describe('training checkpoints in the store; the final model is the step\'s output besides them'),
  heartbeatSeconds: z.number().int().min(1).default(60).describe('a step that sends no heartbeat for this long is retried elsewhere (a lost worker)'),
  taskQueues: z.object({
    cpu: slug.default('assay-cpu').describe('the CPU pool\'s queue (workflows, preprocess, value, report), behind the per-checkout prefix'),
    accelerator: slug.default('assay-accelerator').describe('the accelerator pool\'s queue (pretrain, fine-tune, infer), behind the per-checkout prefix'),
  }).prefault({}).describe('the Temporal task queues the steps are sent to'),
  codeVersion: z.string().default('dev').describe("set by the CLI, not by a spec file: the checkout's commit, recorded with the run"),
});
/** What a spec file may set: everything but what the CLI fills in. */
export const SpecFileSchema = PipelineSpecSchema.omit({ codeVersion: true });
/** Fields the CLI fills in, refused in a spec file with the reason. */
const SET_BY_CLI: Record<string, string> = {
  codeVersion: "is set by the CLI from the checkout's commit (recorded with the run and every step); remove it from the spec",
};
export type PipelineSpec = z.output<typeof PipelineSpecSchema>;
export type PipelineSpecInput = z.input<typeof PipelineSpecSchema>;

export class SpecError extends Error {
  override name = 'SpecError';
}

/** One line per problem: `where: field.path: reason`, each clipped so a hostile value cannot flood the message. */
function formatProblems(lines: readonly string[], where: string): string {
  return lines.map((line) => `  ${where}: ${clipText(line, MAX_DETAIL_CHARS)}`).join('\n');
}

/** Unknown keys and schema issues of `input`, one `field.path: reason` line each. */
function problemsOf(schema: z.ZodType, input: unknown): string[] {
  const parsed = schema.safeParse(input);
  return [
    ...unknownKeys(schema, input).map(describeUnknownKey),
    ...(parsed.success ? [] : issueLines(parsed.error)),
  ];
}

function invalidSpec(problems: readonly string[], where: string): SpecError {
  return new SpecError(`Invalid pipeline spec:\n${formatProblems(problems, where)}\nFix the field(s) above; docs/spec.md (also \`assay spec --help\`) describes every field, docs/data-format.md the input columns, specs/ has examples.`);
}

/** Validates a spec object; `where` names its origin (a file) in messages. Unknown keys are errors too. */
export function parseSpec(input: unknown, where = 'spec'): PipelineSpec {
  const valuation = input !== null && typeof input === 'object' ? (input as Record<string, unknown>).valuation : undefined;
  const misplaced = settingsOfOtherMethods(valuation);
  if (misplaced.length > 0) throw invalidSpec(misplaced, where);
  const problems = problemsOf(PipelineSpecSchema, input);
  const parsed = PipelineSpecSchema.safeParse(input);
  if (problems.length > 0 || !parsed.success) throw invalidSpec(problems, where);
  const contradictions = crossSectionProblems(parsed.data);
  if (contradictions.length > 0) throw invalidSpec(contradictions, where);
  return parsed.data;
}

/** Settings of two sections that contradict each other, each section valid alone. */
function crossSectionProblems(spec: PipelineSpec): string[] {
  const v = spec.valuation;
  if (v.method !== 'dynamics' || v.refreshes === undefined || v.refreshes * v.warmupEpochs < spec.finetune.epochs) return [];
  return [`valuation.refreshes: ${v.refreshes} segments of warmupEpochs=${v.warmupEpochs} leave none of finetune.epochs=${spec.finetune.epochs} to the valued fine-tune; lower refreshes or warmupEpochs, or raise finetune.epochs`];
}

/** The epochs the value step trains of the valued fine-tune (values refreshed during it), 0 when it only values. */
export function epochsTrainedByValueStep(v: ValuationSpec): number {
  return v.method === 'dynamics' && v.refreshes !== undefined ? v.refreshes * v.warmupEpochs : 0;
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
  const setByCli = Object.keys(SET_BY_CLI).filter((key) => key in raw);
  if (setByCli.length > 0) throw new SpecError(`Invalid pipeline spec:\n${formatProblems(setByCli.map((key) => `${key}: ${SET_BY_CLI[key]}`), file)}`);
  const merged = { ...(raw as Record<string, unknown>), ...stripUndefined(overrides) };
  const spec = parseSpec(merged, file);
  const source = spec.source;
  if (!('paths' in source) && source.dataset !== undefined) {
    try {
      datasetFolder(source.dataset);
    } catch (err) {
      if (err instanceof DatasetNotFoundError) throw new SpecError(`${file}: source.dataset: ${err.message}`);
      throw err;
    }
  }
  return resolvePaths(spec, path.dirname(path.resolve(file)));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mapSourcePaths(spec: PipelineSpec, f: (p: string) => string): PipelineSpec {
  const source = spec.source;
  if (!('paths' in source)) return source.path === undefined ? spec : { ...spec, source: { ...source, path: f(source.path) } };
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
