// The valuation bench's protocol, fixed before any figure is looked at:
//   - a setting is a dataset with known noise (none, planted, or natural) and a seed;
//   - the pipeline's path runs on it: pretrain → value (cross-fit or dynamics) → fine-tune, with the
//     control (every example, weight 1), the valued fine-tune (top `keep` by value, weights
//     1 + λ·α·v̂, the quarantined interactions kept as context or dropped), random removal
//     (the same choice, examples picked at random), the truncated loss (T-CE: every example,
//     each batch's largest losses dropped after a warm-up) and, for planted noise, the clean
//     reference (the same pipeline on the data before planting), and perfect detection
//     (every noisy row out, the rest kept, in each quarantine mode: the ceiling of selection,
//     which no value can beat; with 'everywhere' it pretrains on all the true data the
//     planting left — the ceiling of removal);
//   - every choice (keep, λ, quarantine mode, T-CE's rate) is made on the validation split's
//     NDCG@10, on the first seed, and kept for the others; the test split is scored once per
//     reported configuration and never used to choose.
import type { SplitDataset } from '../../shared/data';
import { epochsTrainedByValueStep, isTrainedValuation, TRAINED_VALUATION_METHODS, valuationSeed, type PipelineSpec } from '../../shared/pipeline/spec';
import { pretrainsOnKept } from '../../shared/pipeline/step-table';
import { scheduleOf, trainedValues } from '../../shared/pipeline/steps/value';
import { scheduledDynamicsValues } from '../../shared/valuation/dynamics-schedule';
import { disposeModel } from '../../shared/ml/encoder';
import type { FinetuneExamples } from '../../shared/ml/finetune';
import { noiseDetectionQuality, type DetectionQuality } from '../../shared/valuation/detection';
import { Sfc32 } from '../../shared/random';
import { selectImportant } from '../../shared/valuation/selection';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkAgainstValueStep, finetuneAndEvaluate, pretrainOn, type FinetuneOutcome, type Pretrained } from './pipeline-path';
import { QUARANTINE_MODES, type QuarantineMode } from '../../shared/valuation/quarantine';

export interface NoiseSetting {
  readonly dataset: string;
  /** e.g. 'uniform 20%', 'natural (ratings 1–2)', 'clean' */
  readonly noise: string;
  readonly kind: 'clean' | 'planted' | 'natural';
  /** the data the pipeline sees */
  readonly ds: SplitDataset;
  readonly noisy: Uint8Array;
  /** planted noise: the same data before planting, for the clean reference */
  readonly clean?: SplitDataset;
  /** the protocol's candidates for (keep, λ); one candidate = fixed by the target, not chosen */
  readonly choices: readonly Choice[];
}

/** What the valued fine-tune uses: the top `keep` by value, weighted 1 + λ·α·v̂, the rest kept as context or dropped. */
export interface Choice {
  readonly keep: number;
  readonly lambda: number;
  readonly quarantine: QuarantineMode;
}

/** The valuation the bench runs, as the tables name it. */
export function methodLabel(spec: PipelineSpec): string {
  const { strata } = spec.valuation;
  return `${valuationLabel(spec.valuation)}${strata === undefined ? '' : `, kept across ${strata} value bands`}`;
}

function valuationLabel(v: PipelineSpec['valuation']): string {
  switch (v.method) {
    case 'dynamics': return v.refreshes === undefined ? `dynamics (${v.dynamicsScore}, ${v.warmupEpochs} warm-up epochs)` : `dynamics (${v.dynamicsScore}) refreshed ${v.refreshes}× during the fine-tune, every ${v.warmupEpochs} epochs`;
    case 'dealrec': return `dealrec (${v.warmupEpochs} warm-up epochs, influence over ${v.influencePoints} training points, effort weight ${v.effortWeight})`;
    case 'tracin-output': return `tracin-output (${v.lastBlock ? 'output layer and last block' : 'output layer'}, ${v.warmupEpochs} warm-up epochs, ${v.maxValidPoints} validation points at most)`;
    case 'cross-fit': return `cross-fit (${v.folds} folds × ${v.warmupEpochs} warm-up epochs${v.rounds === 1 ? '' : `, ${v.rounds} rounds refitting on the top ${v.refitKeep}`}${v.directions === 'both' ? ', both directions' : ''}, ${v.score}${v.scoreItems === undefined ? '' : ` against ${v.scoreItems} sampled items`})`;
    default: return v.method;
  }
}

const QUARANTINE_LABELS: Record<QuarantineMode, string> = { context: 'rest as context', drop: 'rest dropped', hidden: 'rest dropped and hidden from its histories', everywhere: 'rest removed everywhere (pretrained again)' };
export const choiceLabel = (c: Choice): string => `keep ${c.keep}, λ ${c.lambda}, ${QUARANTINE_LABELS[c.quarantine]}`;

/** T-CE's drop rate at the end of its warm-up. */
export const TRUNCATE_WARMUP_EPOCHS = 4;
export const truncateLabel = (rate: number): string => `T-CE rate ${rate}`;

export interface SeedRun {
  readonly seed: number;
  readonly detection?: DetectionQuality;
  readonly valueSeconds: number;
  /** absent in detection-only runs */
  readonly control?: FinetuneOutcome;
  readonly valued?: FinetuneOutcome;
  /** the choice the valued fine-tune used (undefined in detection-only runs) */
  readonly choice?: Choice;
  /** validation NDCG@10 per choice tried: the first seed's, or the mean over `choiceSeeds` */
  readonly tried: readonly [Choice, number][];
  /** the seeds whose validation split the choice was made on */
  readonly choiceSeeds?: readonly number[];
  /** every candidate's fine-tune on this seed (the grid run on it) */
  readonly grid?: readonly [Choice, FinetuneOutcome][];
  readonly randomRemoval?: FinetuneOutcome;
  /** the truncated loss on every example, at the rate chosen on validation */
  readonly truncated?: FinetuneOutcome;
  readonly truncateRate?: number;
  /** validation NDCG@10 per rate tried (first seed only) */
  readonly truncateTried: readonly [number, number][];
  readonly cleanReference?: FinetuneOutcome;
  /** noisy settings: the fine-tune on exactly the clean rows, per quarantine mode */
  readonly perfect?: Readonly<Record<QuarantineMode, FinetuneOutcome>>;
  /** detection-only runs: one fine-tuning epoch timed in the same run, for the value step's cost */
  readonly epochProbe?: FinetuneOutcome;
}

export interface RunOptions {
  readonly spec: (seed: number) => PipelineSpec;
  /** choose on validation (first seed) or use this one */
  readonly choice?: Choice;
  /** T-CE's candidate rates (none: no T-CE arm), or the one chosen on the first seed */
  readonly truncateRates: readonly number[];
  readonly payoff: boolean;
  /** run the pipeline's value step on the same data and model once, and compare its values */
  readonly checkValueStep?: boolean;
  /** detection-only: also time one fine-tuning epoch */
  readonly timeOneEpoch?: boolean;
  /** run every candidate on every seed and choose on the mean validation NDCG@10 (else on the first seed's) */
  readonly chooseOnEverySeed?: boolean;
  /** leave random removal to the caller, who runs it once the choice is made */
  readonly deferRandomRemoval?: boolean;
  readonly log: (line: string) => void;
}

export interface TimedValues {
  readonly values: Float64Array;
  readonly seconds: number;
  /** values refreshed during the fine-tune: the model the valued fine-tune continues (the caller disposes it) */
  readonly continued?: Pretrained;
}

export async function timedValues(ds: SplitDataset, pretrained: Pretrained, spec: PipelineSpec): Promise<TimedValues> {
  const dir = await mkdtemp(path.join(tmpdir(), 'assay-bench-values-'));
  try {
    const v = spec.valuation;
    if (!isTrainedValuation(v)) throw new Error(`the valuation bench values with ${TRAINED_VALUATION_METHODS.join(', ')}, not ${v.method}`);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (v.method === 'dynamics' && v.refreshes !== undefined) {
      const { values, model } = await scheduledDynamicsValues(ds, pretrained.model, spec.finetune, scheduleOf(v), { checkpointDir: dir });
      // the checkpoint folder goes with `dir`; the model stays in memory for the valued fine-tunes
      return { values, seconds: seconds(), continued: { model, checkpointDir: '', seconds: seconds(), async dispose() { disposeModel(model); } } };
    }
    const values = await trainedValues(ds, pretrained.model, spec.finetune, v, valuationSeed(spec), { checkpointDir: dir });
    return { values, seconds: seconds() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The random method's values: what removing a random `1 − keep` is compared with. */
function uniformValues(n: number, seed: number): Float64Array {
  const rng = new Sfc32(seed);
  return Float64Array.from({ length: n }, () => rng.next());
}

function selectionOf(values: Float64Array, { keep, lambda }: Choice, spec: PipelineSpec) {
  const { strata } = spec.valuation;
  const selection = selectImportant(values, { keep, lambda, alpha: spec.valuation.alpha, ...(strata !== undefined && { strata }), seed: valuationSeed(spec) });
  return { indices: selection.important, weights: Float32Array.from(selection.important, (i) => selection.weights[i]!) };
}

/** The spec the valued fine-tune of `choice` runs under (the value step's settings unchanged). */
function choiceSpec(spec: PipelineSpec, choice: Choice): PipelineSpec {
  return { ...spec, valuation: { ...spec.valuation, keep: choice.keep, lambda: choice.lambda, quarantine: choice.quarantine } };
}

/**
 * The valued fine-tune of `choice` from where it starts: the shared pretrain, or — values refreshed
 * during the fine-tune — the value step's last model, for the epochs it left (as the fine-tune step does).
 */
function valuedFinetune(ds: SplitDataset, pretrained: Pretrained, continued: Pretrained | undefined, spec: PipelineSpec, choice: Choice, examples: FinetuneExamples): Promise<FinetuneOutcome> {
  const own = choiceSpec(spec, choice);
  if (!continued) return finetuneAndEvaluate(ds, pretrained, own, examples);
  return finetuneAndEvaluate(ds, continued, { ...own, finetune: { ...own.finetune, epochs: own.finetune.epochs - epochsTrainedByValueStep(own.valuation) } }, examples);
}

/** The best of `candidates` by validation NDCG@10; `tieBreak` orders equals (negative: a first). */
function bestOnValidation<C>(tried: readonly [C, FinetuneOutcome][], tieBreak: (a: C, b: C) => number): [C, FinetuneOutcome] {
  return tried[bestScored(tried.map(([c, o]) => [c, o.validNdcg]), tieBreak)]!;
}

/** The index of the highest score; `tieBreak` orders equals (negative: a first). */
function bestScored<C>(scored: readonly [C, number][], tieBreak: (a: C, b: C) => number): number {
  let best = 0;
  for (let i = 1; i < scored.length; i++) if (scored[i]![1] > scored[best]![1] || (scored[i]![1] === scored[best]![1] && tieBreak(scored[i]![0], scored[best]![0]) < 0)) best = i;
  return best;
}

/** The train rows not flagged as noise, in table order: what perfect detection keeps. */
export const rowsWithoutNoise = (noisy: Uint8Array): Int32Array => Int32Array.from(noisy.keys()).filter((j) => noisy[j] === 0);

/** Perfect detection: the valued fine-tune on exactly the rows without noise, in each quarantine mode. */
async function perfectArms(ds: SplitDataset, noisy: Uint8Array, pretrained: Pretrained, spec: PipelineSpec, log: (line: string) => void): Promise<Record<QuarantineMode, FinetuneOutcome>> {
  const indices = rowsWithoutNoise(noisy);
  const clean = { indices, weights: new Float32Array(indices.length).fill(1) };
  const keep = indices.length / ds.train.length;
  const arms: Partial<Record<QuarantineMode, FinetuneOutcome>> = {};
  for (const quarantine of QUARANTINE_MODES) {
    const outcome = await finetuneAndEvaluate(ds, pretrained, choiceSpec(spec, { keep, lambda: 0, quarantine }), clean);
    arms[quarantine] = outcome;
    log(`perfect detection (${quarantine}): valid ${outcome.validNdcg.toFixed(4)}, test ${outcome.ndcg.toFixed(4)} (${outcome.trainSeconds.toFixed(1)} s)`);
  }
  return arms as Record<QuarantineMode, FinetuneOutcome>;
}

/** T-CE on every example at each rate (one on later seeds): the outcome at the rate validation prefers. */
async function truncatedArm(ds: SplitDataset, pretrained: Pretrained, spec: PipelineSpec, rates: readonly number[], log: (line: string) => void) {
  const every = { indices: Int32Array.from({ length: ds.train.length }, (_, i) => i), weights: new Float32Array(ds.train.length).fill(1) };
  const tried: [number, FinetuneOutcome][] = [];
  for (const rate of rates) {
    const withRate = { ...spec, valuation: { ...spec.valuation, keep: 1, quarantine: 'context' as const, truncate: { rate, warmupEpochs: TRUNCATE_WARMUP_EPOCHS } } };
    const outcome = await finetuneAndEvaluate(ds, pretrained, withRate, every);
    tried.push([rate, outcome]);
    log(`${truncateLabel(rate)}: valid ${outcome.validNdcg.toFixed(4)}${rates.length > 1 ? '' : `, test ${outcome.ndcg.toFixed(4)}`} (${outcome.trainSeconds.toFixed(1)} s)`);
  }
  // ties go to the lower rate (closer to plain fine-tuning)
  const [rate, outcome] = bestOnValidation(tried, (a, b) => a - b);
  return { rate, outcome, tried: tried.map(([r, o]) => [r, o.validNdcg] as [number, number]) };
}

/** The whole path on `ds`: its own pretraining, then the control fine-tune. */
async function fromPretraining(ds: SplitDataset, spec: PipelineSpec): Promise<FinetuneOutcome> {
  const pretrained = await pretrainOn(ds, spec);
  try {
    return await finetuneAndEvaluate(ds, pretrained, spec);
  } finally {
    await pretrained.dispose();
  }
}

/** One seed of one setting: values, detection, and (with payoff) the four fine-tunes. */
export async function runSeed(setting: NoiseSetting, seed: number, options: RunOptions): Promise<SeedRun> {
  const spec = options.spec(seed);
  const { ds, noisy } = setting;
  const log = (line: string) => options.log(`  [${setting.dataset} ${setting.noise} seed ${seed}] ${line}`);
  const pretrained = await pretrainOn(ds, spec);
  let continued: Pretrained | undefined;
  try {
    log(`pretrain ${pretrained.seconds.toFixed(1)} s`);
    const timed = await timedValues(ds, pretrained, spec);
    const { values, seconds: valueSeconds } = timed;
    continued = timed.continued;
    if (options.checkValueStep) {
      const diff = await checkAgainstValueStep(ds, pretrained, spec, values);
      log(`value-step check: max |bench − value step| = ${diff}`);
      if (diff > 1e-9) throw new Error(`the bench no longer values what the pipeline's value step values (max difference ${diff}); update bench/valuation/protocol.ts to follow shared/pipeline/steps/value.ts`);
    }
    const detection = setting.kind === 'clean' ? undefined : noiseDetectionQuality(values, noisy);
    log(`${spec.valuation.method} values ${valueSeconds.toFixed(1)} s${detection ? `, AUC ${detection.auc.toFixed(3)}, k-means F1 ${detection.kmeansF1.toFixed(3)}` : ''}`);
    if (!options.payoff) {
      const epochProbe = options.timeOneEpoch ? await finetuneAndEvaluate(ds, pretrained, { ...spec, finetune: { ...spec.finetune, epochs: 1 } }) : undefined;
      if (epochProbe) log(`one fine-tuning epoch ${epochProbe.trainSeconds.toFixed(1)} s`);
      return { seed, detection, valueSeconds, tried: [], truncateTried: [], epochProbe };
    }
    const control = await finetuneAndEvaluate(ds, pretrained, spec);
    log(`control: valid ${control.validNdcg.toFixed(4)}, test ${control.ndcg.toFixed(4)} (${control.trainSeconds.toFixed(1)} s)`);
    const grid = options.choice ? [options.choice] : setting.choices;
    const outcomes: [Choice, FinetuneOutcome][] = [];
    for (const choice of grid) {
      const outcome = await valuedFinetune(ds, pretrained, continued, spec, choice, selectionOf(values, choice, spec));
      outcomes.push([choice, outcome]);
      log(`valued ${choiceLabel(choice)}: valid ${outcome.validNdcg.toFixed(4)}${grid.length > 1 ? '' : `, test ${outcome.ndcg.toFixed(4)}`} (${outcome.trainSeconds.toFixed(1)} s)`);
    }
    const [choice, valued] = bestOnValidation(outcomes, choiceTieBreak);
    const tried = outcomes.map(([c, o]) => [c, o.validNdcg] as [Choice, number]);
    const randomRemoval = setting.kind !== 'clean' && !options.deferRandomRemoval ? await randomRemovalArm(ds, pretrained, spec, choice, seed, log) : undefined;
    const perfect = setting.kind !== 'clean' ? await perfectArms(ds, noisy, pretrained, spec, log) : undefined;
    const truncated = setting.kind !== 'clean' && options.truncateRates.length > 0 ? await truncatedArm(ds, pretrained, spec, options.truncateRates, log) : undefined;
    const cleanReference = setting.clean ? await fromPretraining(setting.clean, spec) : undefined;
    if (cleanReference) log(`clean reference: test ${cleanReference.ndcg.toFixed(4)}`);
    return { seed, detection, valueSeconds, control, valued, choice, tried, choiceSeeds: [seed], grid: outcomes, randomRemoval, cleanReference, perfect, truncated: truncated?.outcome, truncateRate: truncated?.rate, truncateTried: truncated?.tried ?? [] };
  } finally {
    await continued?.dispose();
    await pretrained.dispose();
  }
}

/** Ties go to the larger keep (more data), then to the smaller λ, then to the cheaper quarantine (in QUARANTINE_MODES' order). */
const choiceTieBreak = (a: Choice, b: Choice): number => b.keep - a.keep || a.lambda - b.lambda || QUARANTINE_MODES.indexOf(a.quarantine) - QUARANTINE_MODES.indexOf(b.quarantine);

/** Removing as many rows as `choice` does, picked at random, in `choice`'s quarantine mode. */
async function randomRemovalArm(ds: SplitDataset, pretrained: Pretrained | undefined, spec: PipelineSpec, choice: Choice, seed: number, log: (line: string) => void): Promise<FinetuneOutcome> {
  const outcome = await finetuneAndEvaluate(ds, pretrained, choiceSpec(spec, choice), selectionOf(uniformValues(ds.train.length, seed), choice, spec));
  log(`random removal (${choiceLabel(choice)}): test ${outcome.ndcg.toFixed(4)}`);
  return outcome;
}

/**
 * Every seed of a setting; the choice is made on the first seed's validation split and reused,
 * or, with `chooseOnEverySeed`, on the mean over every seed's validation split of every candidate.
 */
export async function runSetting(setting: NoiseSetting, seeds: readonly number[], options: RunOptions): Promise<SeedRun[]> {
  if (options.chooseOnEverySeed && options.payoff && !options.choice && setting.choices.length > 1) return runSettingChoosingOnEverySeed(setting, seeds, options);
  const runs: SeedRun[] = [];
  let choice = options.choice ?? (setting.choices.length === 1 ? setting.choices[0] : undefined);
  let truncateRates = options.truncateRates;
  for (const seed of seeds) {
    const run = await runSeed(setting, seed, { ...options, choice, truncateRates, checkValueStep: options.checkValueStep && runs.length === 0 });
    runs.push(run);
    choice = run.choice;
    if (run.truncateRate !== undefined) truncateRates = [run.truncateRate];
  }
  return runs;
}

async function runSettingChoosingOnEverySeed(setting: NoiseSetting, seeds: readonly number[], options: RunOptions): Promise<SeedRun[]> {
  const runs: SeedRun[] = [];
  let truncateRates = options.truncateRates;
  for (const seed of seeds) {
    const run = await runSeed(setting, seed, { ...options, truncateRates, deferRandomRemoval: true, checkValueStep: options.checkValueStep && runs.length === 0 });
    runs.push(run);
    if (run.truncateRate !== undefined) truncateRates = [run.truncateRate];
  }
  const { best, tried } = chooseOnMeanValidation(setting.choices, runs);
  const choice = setting.choices[best]!;
  options.log(`  ${setting.dataset} ${setting.noise}: chosen on the mean validation NDCG@10 of ${runs.length} seeds: ${choiceLabel(choice)} (${tried[best]![1].toFixed(4)})`);
  const chosen: SeedRun[] = [];
  for (const run of runs) {
    let randomRemoval: FinetuneOutcome | undefined;
    if (setting.kind !== 'clean') {
      const spec = options.spec(run.seed);
      // the model the seed's random removal starts from: its pretrain, again (seeded, so the same),
      // unless the chosen mode pretrains on the kept rows and never reads it
      const pretrained = pretrainsOnKept(choice.quarantine) ? undefined : await pretrainOn(setting.ds, spec);
      try {
        randomRemoval = await randomRemovalArm(setting.ds, pretrained, spec, choice, run.seed, (line) => options.log(`  [${setting.dataset} ${setting.noise} seed ${run.seed}] ${line}`));
      } finally {
        await pretrained?.dispose();
      }
    }
    chosen.push({ ...run, choice, valued: run.grid![best]![1], tried, choiceSeeds: runs.map((r) => r.seed), randomRemoval });
  }
  return chosen;
}

/** The candidate with the best mean validation NDCG@10 over `runs`, each of which ran every one of `choices` (in that order). */
export function chooseOnMeanValidation(choices: readonly Choice[], runs: readonly Pick<SeedRun, 'grid'>[]): { best: number; tried: [Choice, number][] } {
  const tried = choices.map((c, i) => [c, runs.reduce((sum, r) => sum + r.grid![i]![1].validNdcg, 0) / runs.length] as [Choice, number]);
  return { best: bestScored(tried, choiceTieBreak), tried };
}
