// Training dynamics as values: one warm-up fine-tune from the pretrained encoder on every
// training interaction, reading each interaction's loss and margin as a target in every epoch
// from the training step itself (softmax-loss.ts `observe`, `observeMargin`), so the values cost
// the warm-up and nothing more — no scoring pass over the catalogue, unlike cross-fit. Four
// readings of the same logs over the E warm-up epochs, higher = more plausible:
//   mean-loss   v_j = −(1/E) Σ_e ℓ_e(j)
//   margin      v_j = (1/E) Σ_e m_e(j), m = log p[target] − log max_{other} p (the area under
//               the margin, Pleiss et al., NeurIPS 2020)
//   loss-trend  v_j = the least-squares slope of ℓ_e(j) over e: an interaction the model learns
//               only by memorising it is the one whose loss keeps falling the most
//   forgetting  v_j = −(forgetting events), an event being a target that outranked every other
//               item in one epoch and not in the next (Toneva et al., ICLR 2019); one never
//               learned ranks below any that was (its count is taken as E)
// An interaction the model keeps finding implausible while it learns the rest is the likely
// noise. These are weaker than a held-out score (cross-fit.ts: the model also learns to predict
// the noise, so its loss falls epoch by epoch), which the mean over epochs softens; their merit
// is cost on large catalogues. See docs/decisions/0004-quarantine-and-truncated-loss.md and
// docs/decisions/0022-training-dynamics-readings.md.
import type { InteractionTable } from '../data/types';
import type { FinetuneConfigInput } from '../ml/config';
import { disposeModel, type RecModel } from '../ml/encoder';
import { finetune } from '../ml/finetune';
import { CrossFitStoppedError, type CrossFitHooks } from './cross-fit';
import type { DynamicsScore } from './training-dynamics-config';

export interface DynamicsData {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
}

/** What the warm-up logged: [epoch·n + j] for interaction j in each epoch (NaN where j was no target). */
export interface DynamicsLogs {
  readonly loss: Float32Array;
  readonly margin: Float32Array;
  readonly epochs: number;
  readonly n: number;
}

/** The logs of one warm-up fine-tune of `warmupEpochs` from `pretrained` on every training interaction. */
export async function trainingDynamicsLogs(data: DynamicsData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, warmupEpochs: number, hooks: CrossFitHooks): Promise<DynamicsLogs> {
  const n = data.train.length;
  // shared memory: data-parallel threads log the figures of their share of each batch here
  const shared = () => new Float32Array(new SharedArrayBuffer(4 * warmupEpochs * n)).fill(Number.NaN);
  const logs = { loss: shared(), margin: shared(), epochs: warmupEpochs, n };
  hooks.progress?.(`training dynamics: warm-up fine-tune of ${warmupEpochs} epochs on ${n} interactions`);
  const trained = await finetune({ ...data, lossLog: logs.loss, marginLog: logs.margin }, pretrained, { ...finetuneConfig, epochs: warmupEpochs }, { checkpointDir: `${hooks.checkpointDir}/dynamics`, shouldStop: hooks.shouldStop });
  disposeModel(trained.model);
  if (trained.stopped) throw new CrossFitStoppedError(`training dynamics stopped on request after ${trained.epochsDone} of ${warmupEpochs} warm-up epochs`);
  return logs;
}

/** One value per training interaction (higher = more plausible): `score`'s reading of one warm-up's logs. */
export async function trainingDynamicsValues(data: DynamicsData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, warmupEpochs: number, hooks: CrossFitHooks, score: DynamicsScore = 'mean-loss'): Promise<Float64Array> {
  return dynamicsValues(await trainingDynamicsLogs(data, pretrained, finetuneConfig, warmupEpochs, hooks), score);
}

/** `score`'s reading of the logs; an interaction never logged gets the lowest value seen. */
export function dynamicsValues(logs: DynamicsLogs, score: DynamicsScore): Float64Array {
  const perInteraction = READINGS[score];
  const values = new Float64Array(logs.n);
  const series = (log: Float32Array, j: number) => Float64Array.from({ length: logs.epochs }, (_, e) => log[e * logs.n + j] as number).filter(Number.isFinite);
  let lowest = Infinity;
  for (let j = 0; j < logs.n; j++) {
    const loss = series(logs.loss, j);
    values[j] = loss.length > 0 ? perInteraction(loss, series(logs.margin, j), logs.epochs) : Number.NaN;
    if (loss.length > 0) lowest = Math.min(lowest, values[j] as number);
  }
  if (!Number.isFinite(lowest)) throw new Error('training dynamics: no loss was logged; the warm-up trained on no interaction');
  for (let j = 0; j < logs.n; j++) if (Number.isNaN(values[j])) values[j] = lowest;
  return values;
}

/** −mean over epochs of each interaction's logged loss (the mean-loss reading of a loss log alone). */
export function meanLossValues(lossLog: Float32Array, epochs: number, n: number): Float64Array {
  return dynamicsValues({ loss: lossLog, margin: new Float32Array(lossLog.length).fill(Number.NaN), epochs, n }, 'mean-loss');
}

const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope of xs over 0, 1, …; 0 for a single point. */
function slope(xs: Float64Array): number {
  const k = xs.length;
  if (k < 2) return 0;
  const tMean = (k - 1) / 2;
  let num = 0;
  let den = 0;
  xs.forEach((x, t) => { num += (t - tMean) * x; den += (t - tMean) ** 2; });
  return num / den;
}

/** Times a target that outranked every other item in one logged epoch did not in the next; `epochs` if it never did. */
function forgettingEvents(margins: Float64Array, epochs: number): number {
  let learnedOnce = false;
  let events = 0;
  for (let e = 0; e < margins.length; e++) {
    const learned = (margins[e] as number) > 0;
    if (e > 0 && !learned && (margins[e - 1] as number) > 0) events++;
    learnedOnce ||= learned;
  }
  return learnedOnce ? events : epochs;
}

const READINGS: Record<DynamicsScore, (loss: Float64Array, margin: Float64Array, epochs: number) => number> = {
  'mean-loss': (loss) => -mean(loss),
  margin: (_loss, margin) => (margin.length > 0 ? mean(margin) : Number.NEGATIVE_INFINITY),
  'loss-trend': (loss) => slope(loss),
  forgetting: (_loss, margin, epochs) => -forgettingEvents(margin, epochs),
};
