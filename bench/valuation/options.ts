// Command-line flags of `npm run bench -- valuation` and the sizes they select. The default
// run trains the shipped ml-100k spec's model (specs/ml-100k.json) and, for Amazon Beauty, the
// quality bench's plan, so the payoff is measured on the models users run; --quick is a smoke
// run of minutes on a sample.
import { z } from 'zod';
import { BenchUsageError, parseStringFlags } from '../flags';
import { parseFlags as qualityFlags, specFor } from '../quality';
import path from 'node:path';
import { loadSpecFile, parseSpec, type PipelineSpec, type ValuationOf } from '../../shared/pipeline/spec';
import type { CrossFitSettingValues } from '../../shared/valuation/cross-fit-config';
import { DYNAMICS_SCORES, type DynamicsScore } from '../../shared/valuation/training-dynamics-config';
import { repoRoot } from '../../infra/dev/paths';
import type { DataSourceConfig } from '../../shared/data/source-config';
import { REAL_DATASETS, type RealDataset } from './datasets';
import { EASE_MAX_ITEMS } from './reference-detectors';
import type { Choice } from './protocol';
import { QUARANTINE_MODES, readsKept } from '../../shared/valuation/quarantine';

export { BenchUsageError };

const USAGE = `usage: npm run bench -- valuation [--dataset ml-100k|amazon-beauty|all] [--method cross-fit|dynamics|tracin-output|dealrec] [--seeds N] [--seed N] [--quick on]
       [--detection-seeds N] [--beauty-users N] [--beauty-payoff on] [--beauty-settings uniform-20,as-shipped] [--baselines on|off] [--check-value-step on|off] [--clean-model on|off] [--settings a,b,…]
       [--payoff on|off] [--folds N] [--warmup-epochs N] [--rounds N] [--refit-keep F] [--directions forward|both] [--score logProb|outranks] [--score-items N] [--choice KEEP/context|drop|hidden|everywhere] [--tce on|off]
       [--choose-on first-seed|every-seed] [--dynamics-score mean-loss|margin|loss-trend|forgetting] [--effort-weight W] [--last-block on|off] [--strata N] [--refreshes N]
  ml-100k: payoff (control, valued, random removal, clean reference) at 20 % uniform planted noise,
  under natural noise (ratings 1–2) and on clean data, over --seeds seeds; detection at 10/40 % uniform,
  20 % popularity-drawn and natural (ratings ≤ 3). amazon-beauty: detection at 20 % uniform on all users
  (--beauty-payoff on adds the payoff, ~1 h a seed here); --beauty-settings as-shipped adds the stretch: the file as
  shipped, nothing planted, control against the valued fine-tune chosen on validation (~45 min a seed here).
  --payoff off: detection only, every setting.
  --folds / --rounds / --refit-keep / --directions / --score / --score-items (cross-fit) and --warmup-epochs set the value
  step's own settings (defaults: the shipped spec's; --rounds 2 values again with fold models trained on the --refit-keep
  share the first round kept; --directions both also values each fold from the items after each interaction;
  --score-items scores against that many sampled items instead of the whole catalogue); --dynamics-score (dynamics),
  --effort-weight (dealrec) and --last-block (tracin-output) likewise, defaulting to the spec's defaults. --strata N draws each keep share evenly across N
  bands of value (DEALRec's coverage-enhanced selection) instead of taking the top. --refreshes N (dynamics, with --choice
  KEEP/context|drop|hidden) refreshes the values during the valued fine-tune: N segments of --warmup-epochs epochs, each moving a
  further share out, and the valued fine-tune trains the rest of its epochs from the last segment's model.
  --choice fixes the valued fine-tune's (keep, quarantine), λ 0, on the noisy settings instead of choosing among four
  (keep 0.8 or 0.9; the rest as context or dropped) on validation; 'hidden' (dropped and left out of the histories the
  valued model reads) and 'everywhere' (hidden, and pretrained again) run only when --choice names them: validation
  favours a model that reads histories without the rest by more than test bears out;
  --tce off leaves out the T-CE arm (both shorten a run: ~12 min per fine-tune on full amazon-beauty here).
  --choose-on every-seed runs every candidate on every seed and chooses on the mean validation NDCG@10 (one seed's
  validation may not tell close candidates apart: docs/valuation.md; this costs the grid once per seed).
  Every noisy setting also prints the detectors that train nothing: popularity, co-occurrence, EASE (catalogues up to
  ${EASE_MAX_ITEMS} items), a noise-rate oracle, and models of the clean data (counts, EASE) that read the ground truth —
  what a detector that knew the clean rows would read; the verdict prints the best beside each detection target.
  --clean-model on adds the model the values come from, told the ground truth: cross-fit with the value step's cross-fit
  flags (whatever --method is), pretrained and fitted on the clean rows only (one pretrain and K warm-ups more per noisy
  setting: ~1 min on ml-100k, ~5 min on full amazon-beauty with --warmup-epochs 1 --score-items 1024 here).`;

/** ml-100k's settings: payoff at uniform-20, natural-2 and clean; detection only at the rest */
export const SETTING_NAMES = ['uniform-20', 'natural-2', 'clean', 'uniform-10', 'uniform-40', 'popularity-20', 'natural-3'] as const;
export type SettingName = (typeof SETTING_NAMES)[number];
/** Amazon Beauty's settings: detection (and, with --beauty-payoff, the payoff) at uniform-20; the file as shipped (the stretch) */
export const BEAUTY_SETTING_NAMES = ['uniform-20', 'as-shipped'] as const;
export type BeautySettingName = (typeof BEAUTY_SETTING_NAMES)[number];

const onOff = z.enum(['on', 'off']);
/** the methods the bench runs besides cross-fit: one warm-up fine-tune each */
const OTHER_METHODS = ['dynamics', 'tracin-output', 'dealrec'] as const;
type OtherMethod = (typeof OTHER_METHODS)[number];
const FlagsSchema = z.object({
  dataset: z.enum([...REAL_DATASETS, 'all']).default('ml-100k'),
  method: z.enum(['cross-fit', ...OTHER_METHODS]).default('cross-fit'),
  'dynamics-score': z.enum(DYNAMICS_SCORES).optional(),
  'effort-weight': z.coerce.number().min(0, 'must be at least 0').optional(),
  strata: z.coerce.number().int('must be an integer').min(2, 'must be at least 2').optional(),
  'last-block': onOff.optional(),
  refreshes: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').optional(),
  quick: onOff.default('off'),
  seed: z.coerce.number().int('must be an integer').min(0).default(1),
  seeds: z.coerce.number().int('must be an integer').min(1).max(10).default(3),
  'detection-seeds': z.coerce.number().int('must be an integer').min(1).max(10).default(1),
  'beauty-users': z.coerce.number().int('must be an integer').min(50, 'must be at least 50').optional(),
  'beauty-payoff': onOff.default('off'),
  baselines: onOff.default('on'),
  'check-value-step': onOff.default('on'),
  'clean-model': onOff.default('off'),
  payoff: onOff.default('on'),
  folds: z.coerce.number().int('must be an integer').min(2, 'must be at least 2').max(10, 'must be at most 10').default(2),
  'warmup-epochs': z.coerce.number().int('must be an integer').min(1, 'must be at least 1').optional(),
  rounds: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(4, 'must be at most 4').optional(),
  'refit-keep': z.coerce.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').optional(),
  directions: z.enum(['forward', 'both']).optional(),
  score: z.enum(['logProb', 'outranks']).default('logProb'),
  'score-items': z.coerce.number().int('must be an integer').min(16, 'must be at least 16').optional(),
  choice: z.string().regex(new RegExp(`^(0?\\.\\d+|1(\\.0+)?)/(${QUARANTINE_MODES.join('|')})$`), `KEEP/MODE: a keep share in (0, 1] and one of ${QUARANTINE_MODES.join(', ')}, e.g. 0.9/hidden`).optional(),
  tce: onOff.default('on'),
  'choose-on': z.enum(['first-seed', 'every-seed']).default('first-seed'),
  settings: z.string().regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, `a comma-separated list of: ${SETTING_NAMES.join(', ')}`).optional(),
  'beauty-settings': z.string().regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, `a comma-separated list of: ${BEAUTY_SETTING_NAMES.join(', ')}`).default('uniform-20'),
});

export interface BenchSizes {
  readonly label: string;
  /** users sampled from ml-100k (its 943 = all of them) */
  readonly ml100kUsers: number;
  readonly beautyUsers: number;
  /** the protocol's candidates for (keep, λ, quarantine), chosen on validation */
  readonly choices: readonly Choice[];
  /** T-CE's candidate rates, chosen on validation (empty: no T-CE arm) */
  readonly truncateRates: readonly number[];
  /** overrides laid over each dataset's spec (quick runs shrink the model) */
  readonly override?: { pretrain?: object; finetune?: object };
  /** the valuation the protocol values with: its method's settings */
  readonly valuation: ({ readonly method: 'cross-fit' } & Readonly<CrossFitSettingValues>) | { readonly method: OtherMethod; readonly warmupEpochs: number; readonly dynamicsScore?: DynamicsScore; readonly effortWeight?: number; readonly lastBlock?: boolean; readonly refreshes?: number };
  /** the embedding methods' settings, for their detection rows */
  readonly embedding: EmbeddingSettings;
  /** the keep share drawn across this many value bands instead of the top (valuation.strata) */
  readonly strata?: number;
  /** cross-fit's settings for the model of the clean data that trains (--clean-model on; unset: not run) */
  readonly cleanModel?: Readonly<CrossFitSettingValues>;
}

/** What the embedding methods read: KNN-Shapley's K, Data-OOB's bags, the labelled view's negatives and validation sample. */
export interface EmbeddingSettings {
  readonly k: number;
  readonly bags: number;
  readonly negatives: number;
  readonly maxValidPoints: number;
}

export interface BenchOptions {
  readonly datasets: readonly RealDataset[];
  readonly quick: boolean;
  readonly seed: number;
  readonly seeds: number;
  readonly detectionSeeds: number;
  readonly beautyPayoff: boolean;
  readonly baselines: boolean;
  /** off: detection only, in every setting (clean data, which has nothing to detect, is left out) */
  readonly payoff: boolean;
  /** run the pipeline's value step once per dataset and check the bench values the same (costs one more valuation) */
  readonly checkValueStep: boolean;
  /** choose the valued configuration on the first seed's validation split, or run every candidate on every seed and choose on the mean */
  readonly chooseOnEverySeed: boolean;
  /** which of ml-100k's settings run */
  readonly settings: readonly SettingName[];
  /** which of Amazon Beauty's settings run */
  readonly beautySettings: readonly BeautySettingName[];
  readonly sizes: BenchSizes;
}

/**
 * keep 0.8 / 0.9 with the quarantined interactions kept as context or dropped, without the
 * value-weighted objective (λ 0: why in docs/valuation.md): the modes whose valued model reads
 * full histories, as the control does. 'hidden' and 'everywhere' only by --choice: validation
 * favours a model that reads histories without the quarantine by more than test bears out
 * (docs/decisions/0018-quarantine-everywhere.md, addendum).
 */
const CHOICES: readonly Choice[] = QUARANTINE_MODES.filter((mode) => !readsKept(mode)).flatMap((quarantine) => [0.8, 0.9].map((keep) => ({ keep, lambda: 0, quarantine })));

/** clean data: the target fixes keep at 0.5; what is left to choose is the quarantine mode */
export const CLEAN_CHOICES: readonly Choice[] = [{ keep: 0.5, lambda: 0, quarantine: 'context' }, { keep: 0.5, lambda: 0, quarantine: 'drop' }];

/**
 * Beauty as shipped (the stretch): nothing planted, so only light removal is a candidate —
 * heavier removal from clean ml-100k lost quality (docs/valuation.md, the clean-data rows) —
 * with the rest kept as context, where removal did least harm
 */
export const AS_SHIPPED_CHOICES: readonly Choice[] = [{ keep: 0.95, lambda: 0, quarantine: 'context' }, { keep: 0.9, lambda: 0, quarantine: 'context' }];

/** T-CE's drop rate after its warm-up: fixed at the planted noise rate (ml-100k's share of ratings 1–2 is close to it) */
const TRUNCATE_RATES: readonly number[] = [0.2];

interface ValueFlags { readonly method: 'cross-fit' | OtherMethod; readonly dynamicsScore?: DynamicsScore; readonly refreshes?: number; readonly effortWeight?: number; readonly lastBlock?: boolean; readonly folds: number; readonly warmupEpochs?: number; readonly rounds?: number; readonly refitKeep?: number; readonly directions?: 'forward' | 'both'; readonly score: 'logProb' | 'outranks'; readonly scoreItems?: number }

/** The value step's settings: cross-fit's default to the shipped spec's, the other methods' to a 4-epoch warm-up. */
function valuationSizes(quick: boolean, flags: ValueFlags): BenchSizes['valuation'] {
  const { method, dynamicsScore, effortWeight, lastBlock, refreshes } = flags;
  if (method !== 'cross-fit') return { method, warmupEpochs: flags.warmupEpochs ?? (quick ? 1 : 4), ...(dynamicsScore && { dynamicsScore }), ...(effortWeight !== undefined && { effortWeight }), ...(lastBlock !== undefined && { lastBlock }), ...(refreshes !== undefined && { refreshes }) };
  return { method, ...crossFitSizes(quick, flags) };
}

/** cross-fit's settings from its flags, each defaulting to the shipped spec's (quick: a 1-epoch warm-up) */
function crossFitSizes(quick: boolean, { folds, score, scoreItems, ...flags }: ValueFlags): CrossFitSettingValues {
  const shipped = shippedCrossFit();
  const warmupEpochs = flags.warmupEpochs ?? (quick ? 1 : shipped.warmupEpochs);
  return { folds, warmupEpochs, rounds: flags.rounds ?? shipped.rounds, refitKeep: flags.refitKeep ?? shipped.refitKeep, directions: flags.directions ?? shipped.directions, score, ...(scoreItems === undefined ? {} : { scoreItems }) };
}

function sizesFor(quick: boolean, beautyUsers: number | undefined, flags: ValueFlags): BenchSizes {
  const valuation = valuationSizes(quick, flags);
  const embedding = { k: 10, bags: 16, negatives: 1, maxValidPoints: 1000 };
  if (quick) {
    return {
      label: 'quick (smoke run)',
      ml100kUsers: 200,
      beautyUsers: beautyUsers ?? 300,
      choices: [{ keep: 0.8, lambda: 0, quarantine: 'drop' }],
      truncateRates: [0.2],
      override: { pretrain: { encoder: { dim: 16, layers: 1, heads: 1, maxLen: 20 }, epochs: 1, text: { maxTokens: 8 } }, finetune: { epochs: 2 } },
      valuation,
      embedding,
    };
  }
  return { label: 'default (the shipped models)', ml100kUsers: 943, beautyUsers: beautyUsers ?? 1_000_000, choices: CHOICES, truncateRates: TRUNCATE_RATES, valuation, embedding };
}

function settingList<N extends string>(flagName: string, flag: string, known: readonly N[]): N[] {
  const names = flag.split(',');
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n));
  if (unknown.length > 0) throw new BenchUsageError(`${flagName}: unknown ${unknown.join(', ')}; choose from ${known.join(', ')}\n${USAGE}`);
  return names as N[];
}

const ml100kSettings = (flag: string | undefined, quick: boolean): SettingName[] =>
  flag ? settingList('--settings', flag, SETTING_NAMES) : quick ? ['uniform-20', 'natural-2', 'clean'] : [...SETTING_NAMES];

export function parseBenchArgs(args: string[]): BenchOptions {
  const f = parseStringFlags(FlagsSchema, args, USAGE);
  if (f.refreshes !== undefined) refuseScheduleWithout(f.method, f.choice);
  const quick = f.quick === 'on';
  const valueFlags: ValueFlags = { method: f.method, dynamicsScore: f['dynamics-score'], effortWeight: f['effort-weight'], lastBlock: f['last-block'] === undefined ? undefined : f['last-block'] === 'on', refreshes: f.refreshes, folds: f.folds, warmupEpochs: f['warmup-epochs'], rounds: f.rounds, refitKeep: f['refit-keep'], directions: f.directions, score: f.score, scoreItems: f['score-items'] };
  return {
    datasets: f.dataset === 'all' ? REAL_DATASETS : [f.dataset],
    quick,
    seed: f.seed,
    seeds: quick ? 1 : f.seeds,
    detectionSeeds: f['detection-seeds'],
    beautyPayoff: f['beauty-payoff'] === 'on',
    baselines: f.baselines === 'on',
    payoff: f.payoff === 'on',
    checkValueStep: f['check-value-step'] === 'on',
    chooseOnEverySeed: f['choose-on'] === 'every-seed',
    settings: ml100kSettings(f.settings, quick),
    beautySettings: settingList('--beauty-settings', f['beauty-settings'], BEAUTY_SETTING_NAMES),
    sizes: {
      ...withArms(sizesFor(quick, f['beauty-users'], valueFlags), f.choice, f.tce === 'on'),
      ...(f.strata !== undefined && { strata: f.strata }),
      // one round: the model of the clean data already knows which rows to train on
      ...(f['clean-model'] === 'on' && { cleanModel: { ...crossFitSizes(quick, valueFlags), rounds: 1 } }),
    },
  };
}

/** Values refreshed during the fine-tune move the keep share out as it trains: the method's and one choice's, fixed before. */
function refuseScheduleWithout(method: string, choice: string | undefined): void {
  if (method !== 'dynamics') throw new BenchUsageError(`--refreshes: values refreshed during the fine-tune are a setting of --method dynamics, not ${method}\n${USAGE}`);
  if (choice === undefined || choice.endsWith('/everywhere')) throw new BenchUsageError(`--refreshes needs --choice KEEP/context, KEEP/drop or KEEP/hidden: the schedule moves that share out as the fine-tune trains, so its values depend on the choice${choice ? ` (and 'everywhere' pretrains a new model, which the schedule cannot continue)` : ''}\n${USAGE}`);
}

/** The sizes with the valued fine-tune's choice fixed (`keep/mode`) and without T-CE when asked. */
function withArms(sizes: BenchSizes, choice: string | undefined, tce: boolean): BenchSizes {
  const fixed = choice === undefined ? undefined : (([keep, quarantine]) => ({ keep: Number(keep), lambda: 0, quarantine: quarantine as Choice['quarantine'] }))(choice.split('/'));
  if (fixed && !(fixed.keep > 0 && fixed.keep <= 1)) throw new BenchUsageError(`--choice=${choice}: the keep share must be in (0, 1]\n${USAGE}`);
  return { ...sizes, choices: fixed ? [fixed] : sizes.choices, truncateRates: tce ? sizes.truncateRates : [] };
}

/** The spec `npm run main` runs: the bench trains its model and values with its cross-fit warm-up. */
const shippedMl100k = (): PipelineSpec => loadSpecFile(path.join(repoRoot, 'specs', 'ml-100k.json'));

function shippedCrossFit(): ValuationOf<'cross-fit'> {
  const v = shippedMl100k().valuation;
  if (v.method !== 'cross-fit') throw new Error(`specs/ml-100k.json values with ${v.method}; the valuation bench's default warm-up and rounds follow its cross-fit settings`);
  return v;
}

/** A schedule's values follow its one fixed choice (refuseScheduleWithout), so the value step is given it. */
function scheduledChoice(sizes: BenchSizes): Partial<Choice> {
  if (!('refreshes' in sizes.valuation) || sizes.valuation.refreshes === undefined) return {};
  const [only] = sizes.choices;
  return { keep: only!.keep, lambda: only!.lambda, quarantine: only!.quarantine };
}

/** The pipeline spec of one bench setting: the dataset's model and training, the valuation sizes, this seed. */
export function benchSpec(sizes: BenchSizes, dataset: string, source: DataSourceConfig, seed: number, real?: RealDataset): PipelineSpec {
  const base = real === 'amazon-beauty' ? specFor('amazon-beauty', qualityFlags([])) : shippedMl100k();
  const merge = (a: object, b: object | undefined) => {
    const out = { ...a, ...b } as Record<string, unknown>;
    if (b && 'encoder' in b) out.encoder = { ...(a as { encoder?: object }).encoder, ...(b as { encoder: object }).encoder };
    return out;
  };
  return parseSpec({
    dataset,
    source,
    pretrain: { ...merge(base.pretrain, sizes.override?.pretrain), seed },
    finetune: { ...merge(base.finetune, sizes.override?.finetune), seed },
    valuation: { ...sizes.valuation, ...(sizes.strata !== undefined && { strata: sizes.strata }), ...scheduledChoice(sizes) },
    infer: { k: 10 },
  }, `valuation bench (${dataset})`);
}
