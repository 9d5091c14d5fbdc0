// DEALRec's score (Lin et al., SIGIR 2024: data-efficient fine-tuning for LLM-based
// recommendation) on the model that is actually trained, through its output layer (the tied item
// table E, as in tracin-output.ts):
//   influence  I_j = ⟨∇ℓ_j, Σ_i ∇ℓ_i⟩ — what removing interaction j does to the empirical risk,
//              under a warm-up fine-tune (their surrogate model), the Hessian taken as the
//              identity and Σ_i summed over a seeded sample of training interactions;
//   effort     δ_j = ‖∇_E ℓ_j‖ under the pretrained encoder as fine-tuning starts from it (causal
//              attention, nothing fine-tuned): how far the model to be fine-tuned is from the
//              interaction (their gap regularisation);
//   v_j = z(I)_j + effortWeight · z(δ)_j, each standardised over the interactions so that
//   effortWeight alone sets their balance. DEALRec keeps the highest: influential interactions
//   the model has yet to learn. Decision: docs/decisions/0022-training-dynamics-readings-and-dealrec.md.
import type { FinetuneConfigInput } from '../ml/config';
import { causalCopy, disposeModel, type RecModel } from '../ml/encoder';
import { finetune } from '../ml/finetune';
import { forEachTargetBatch, transposedItems } from '../ml/target-scores';
import { CrossFitStoppedError, type CrossFitHooks } from './cross-fit';
import { seededRowSample } from '../random';
import { OutputGradientSum, outputGradientNorms, outputTracinScores, scoreEachInteraction } from './tracin-output';
import type { DynamicsData } from './training-dynamics';

export interface DealRecSettings {
  readonly warmupEpochs: number;
  /** training interactions sampled into Σ_i ∇ℓ_i */
  readonly influencePoints: number;
  readonly effortWeight: number;
  readonly seed: number;
  /** fine-tuning rows encoded at once while scoring */
  readonly rowsPerBatch?: number;
}

/** Each training interaction's output-layer influence on the training loss under `model` (a fine-tuned, causal one). */
export async function influenceOnTrainingLoss(model: RecModel, data: DynamicsData, settings: Pick<DealRecSettings, 'influencePoints' | 'seed' | 'rowsPerBatch'>, finetuneConfig: FinetuneConfigInput): Promise<Float64Array> {
  const rowsPerBatch = settings.rowsPerBatch ?? 64;
  const itemsT = transposedItems(model);
  const s = new OutputGradientSum(itemsT);
  try {
    const sample = seededRowSample(data.train.length, settings.influencePoints, settings.seed);
    await forEachTargetBatch(model, { ...data, examples: { indices: sample, weights: new Float32Array(sample.length).fill(1) } }, finetuneConfig, rowsPerBatch, (hidden, targets) => s.add({ hidden, targets }));
    return await scoreEachInteraction(model, data, finetuneConfig, rowsPerBatch, (batch) => outputTracinScores(batch, itemsT, s.value));
  } finally {
    s.dispose();
    itemsT.dispose();
  }
}

/** Each training interaction's output-layer gradient norm under the pretrained encoder read causally, as fine-tuning starts. */
export async function effortBeforeFinetuning(pretrained: RecModel, data: DynamicsData, finetuneConfig: FinetuneConfigInput, rowsPerBatch = 64): Promise<Float64Array> {
  const start = causalCopy(pretrained);
  const itemsT = transposedItems(start);
  try {
    return await scoreEachInteraction(start, data, finetuneConfig, rowsPerBatch, (batch) => outputGradientNorms(batch, itemsT));
  } finally {
    itemsT.dispose();
    disposeModel(start);
  }
}

/** (x − mean) / standard deviation; all zeros when x does not vary. */
export function standardised(x: Float64Array): Float64Array {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
  return x.map((v) => (sd > 0 ? (v - mean) / sd : 0));
}

/** z(influence) + effortWeight · z(effort), per interaction. */
export function dealRecScore(influence: Float64Array, effort: Float64Array, effortWeight: number): Float64Array {
  const zi = standardised(influence);
  const ze = standardised(effort);
  return zi.map((v, j) => v + effortWeight * (ze[j] as number));
}

/** DEALRec's score of every training interaction: a warm-up fine-tune for the influence, the pretrained encoder for the effort. */
export async function dealRecValues(data: DynamicsData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, settings: DealRecSettings, hooks: CrossFitHooks): Promise<Float64Array> {
  const n = data.train.length;
  hooks.progress?.(`dealrec: effort of ${n} interactions under the pretrained encoder`);
  const effort = await effortBeforeFinetuning(pretrained, data, finetuneConfig, settings.rowsPerBatch);
  hooks.progress?.(`dealrec: warm-up fine-tune of ${settings.warmupEpochs} epochs on ${n} interactions`);
  const config = { ...finetuneConfig, epochs: settings.warmupEpochs };
  const trained = await finetune(data, pretrained, config, { checkpointDir: `${hooks.checkpointDir}/dealrec`, shouldStop: hooks.shouldStop });
  try {
    if (trained.stopped) throw new CrossFitStoppedError(`dealrec stopped on request after ${trained.epochsDone} of ${settings.warmupEpochs} warm-up epochs`);
    hooks.progress?.(`dealrec: influence of ${n} interactions on the training loss through the output layer`);
    const influence = await influenceOnTrainingLoss(trained.model, data, settings, config);
    return dealRecScore(influence, effort, settings.effortWeight);
  } finally {
    disposeModel(trained.model);
  }
}
