// The valuation bench's protocol, fixed before any figure is looked at:
//   - a setting is a dataset with known noise (none, planted, or natural) and a seed;
//   - the pipeline's path runs on it: pretrain → value (cross-fit) → fine-tune, with the
//     control (every example, weight 1), the valued fine-tune (top `keep` by value, weights
//     1 + λ·α·v̂), random removal (the same `keep`, chosen at random) and, for planted noise,
//     the clean reference (the same pipeline on the data before planting);
//   - every choice (here `keep` and λ) is made on the validation split's NDCG@10, on the first seed,
//     and kept for the others; the test split is scored once per reported configuration and
//     never used to choose.
import type { SplitDataset } from '../../shared/data';
import type { PipelineSpec } from '../../shared/pipeline/spec';
import { crossFitValues } from '../../shared/valuation/cross-fit';
import { noiseDetectionQuality, type DetectionQuality } from '../../shared/valuation/detection';
import { createRng } from '../../shared/valuation/rng';
import { selectImportant } from '../../shared/valuation/selection';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkAgainstValueStep, finetuneAndEvaluate, pretrainOn, type FinetuneOutcome, type Pretrained } from './pipeline-path';

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

/** What the valued fine-tune uses: the top `keep` by value, weighted 1 + λ·α·v̂. */
export interface Choice {
  readonly keep: number;
  readonly lambda: number;
}

export const choiceLabel = (c: Choice): string => `keep ${c.keep}, λ ${c.lambda}`;

export interface SeedRun {
  readonly seed: number;
  readonly detection?: DetectionQuality;
  readonly valueSeconds: number;
  /** absent in detection-only runs */
  readonly control?: FinetuneOutcome;
  readonly valued?: FinetuneOutcome;
  /** the choice the valued fine-tune used (undefined in detection-only runs) */
  readonly choice?: Choice;
  /** validation NDCG@10 per choice tried (first seed only) */
  readonly tried: readonly [Choice, number][];
  readonly randomRemoval?: FinetuneOutcome;
  readonly cleanReference?: FinetuneOutcome;
  /** detection-only runs: one fine-tuning epoch timed in the same run, for the value step's cost */
  readonly epochProbe?: FinetuneOutcome;
}

export interface RunOptions {
  readonly spec: (seed: number) => PipelineSpec;
  /** choose on validation (first seed) or use this one */
  readonly choice?: Choice;
  readonly payoff: boolean;
  /** run the pipeline's value step on the same data and model once, and compare its values */
  readonly checkValueStep?: boolean;
  /** detection-only: also time one fine-tuning epoch */
  readonly timeOneEpoch?: boolean;
  readonly log: (line: string) => void;
}

export async function timedValues(ds: SplitDataset, pretrained: Pretrained, spec: PipelineSpec): Promise<{ values: Float64Array; seconds: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'assay-bench-cross-fit-'));
  try {
    const v = spec.valuation;
    const started = performance.now();
    const values = await crossFitValues(ds, pretrained.model, spec.finetune, { folds: v.folds, warmupEpochs: v.warmupEpochs, score: v.score, seed: spec.pretrain.seed }, { checkpointDir: dir });
    return { values, seconds: (performance.now() - started) / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The random method's values: what removing a random `1 − keep` is compared with. */
function uniformValues(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.next());
}

function selectionOf(values: Float64Array, { keep, lambda }: Choice, spec: PipelineSpec) {
  const selection = selectImportant(values, { keep, lambda, alpha: spec.valuation.alpha });
  return { indices: selection.important, weights: Float32Array.from(selection.important, (i) => selection.weights[i]!) };
}

/** One seed of one setting: values, detection, and (with payoff) the four fine-tunes. */
export async function runSeed(setting: NoiseSetting, seed: number, options: RunOptions): Promise<SeedRun> {
  const spec = options.spec(seed);
  const { ds, noisy } = setting;
  const log = (line: string) => options.log(`  [${setting.dataset} ${setting.noise} seed ${seed}] ${line}`);
  const pretrained = await pretrainOn(ds, spec);
  try {
    log(`pretrain ${pretrained.seconds.toFixed(1)} s`);
    const { values, seconds: valueSeconds } = await timedValues(ds, pretrained, spec);
    if (options.checkValueStep) {
      const diff = await checkAgainstValueStep(ds, pretrained, spec, values);
      log(`value-step check: max |bench − value step| = ${diff}`);
      if (diff > 1e-9) throw new Error(`the bench no longer values what the pipeline's value step values (max difference ${diff}); update bench/valuation/protocol.ts to follow shared/pipeline/steps/value.ts`);
    }
    const detection = setting.kind === 'clean' ? undefined : noiseDetectionQuality(values, noisy);
    log(`cross-fit values ${valueSeconds.toFixed(1)} s${detection ? `, AUC ${detection.auc.toFixed(3)}, k-means F1 ${detection.kmeansF1.toFixed(3)}` : ''}`);
    if (!options.payoff) {
      const epochProbe = options.timeOneEpoch ? await finetuneAndEvaluate(ds, pretrained, { ...spec, finetune: { ...spec.finetune, epochs: 1 } }) : undefined;
      if (epochProbe) log(`one fine-tuning epoch ${epochProbe.trainSeconds.toFixed(1)} s`);
      return { seed, detection, valueSeconds, tried: [], epochProbe };
    }
    const control = await finetuneAndEvaluate(ds, pretrained, spec);
    log(`control: valid ${control.validNdcg.toFixed(4)}, test ${control.ndcg.toFixed(4)} (${control.trainSeconds.toFixed(1)} s)`);
    const grid = options.choice ? [options.choice] : setting.choices;
    let best: { choice: Choice; outcome: FinetuneOutcome } | undefined;
    const tried: [Choice, number][] = [];
    for (const choice of grid) {
      const outcome = await finetuneAndEvaluate(ds, pretrained, spec, selectionOf(values, choice, spec));
      tried.push([choice, outcome.validNdcg]);
      log(`valued ${choiceLabel(choice)}: valid ${outcome.validNdcg.toFixed(4)}${grid.length > 1 ? '' : `, test ${outcome.ndcg.toFixed(4)}`} (${outcome.trainSeconds.toFixed(1)} s)`);
      // ties go to the larger keep (more data), then to the smaller λ
      const better = !best || outcome.validNdcg > best.outcome.validNdcg
        || (outcome.validNdcg === best.outcome.validNdcg && (choice.keep > best.choice.keep || (choice.keep === best.choice.keep && choice.lambda < best.choice.lambda)));
      if (better) best = { choice, outcome };
    }
    const { choice, outcome: valued } = best!;
    let randomRemoval: FinetuneOutcome | undefined;
    if (setting.kind !== 'clean') {
      randomRemoval = await finetuneAndEvaluate(ds, pretrained, spec, selectionOf(uniformValues(ds.train.length, seed), choice, spec));
      log(`random removal (${choiceLabel(choice)}): test ${randomRemoval.ndcg.toFixed(4)}`);
    }
    let cleanReference: FinetuneOutcome | undefined;
    if (setting.clean) {
      const cleanPretrained = await pretrainOn(setting.clean, spec);
      try {
        cleanReference = await finetuneAndEvaluate(setting.clean, cleanPretrained, spec);
        log(`clean reference: test ${cleanReference.ndcg.toFixed(4)}`);
      } finally {
        await cleanPretrained.dispose();
      }
    }
    return { seed, detection, valueSeconds, control, valued, choice, tried, randomRemoval, cleanReference };
  } finally {
    await pretrained.dispose();
  }
}

/** Every seed of a setting; the choice is made on the first seed's validation split and reused. */
export async function runSetting(setting: NoiseSetting, seeds: readonly number[], options: RunOptions): Promise<SeedRun[]> {
  const runs: SeedRun[] = [];
  let choice = options.choice ?? (setting.choices.length === 1 ? setting.choices[0] : undefined);
  for (const seed of seeds) {
    const run = await runSeed(setting, seed, { ...options, choice, checkValueStep: options.checkValueStep && runs.length === 0 });
    runs.push(run);
    choice = run.choice;
  }
  return runs;
}
