// Training dynamics as values: one warm-up fine-tune from the pretrained encoder on every
// training interaction, reading each interaction's loss, margin and rank as a target in every
// epoch from the training step itself (softmax-loss.ts `observe`, `observeStandings`), so the values cost
// the warm-up and nothing more — no scoring pass over the catalogue, unlike cross-fit. Four
// readings of the same logs over the E warm-up epochs, higher = more plausible:
//   mean-loss   v_j = −(1/E) Σ_e ℓ_e(j)
//   margin      v_j = (1/E) Σ_e m_e(j), m = log p[target] − log max_{other} p (the area under
//               the margin, Pleiss et al., NeurIPS 2020)
//   loss-trend  v_j = −(the least-squares slope of ℓ_e(j) over e): the loss of what the model can
//               learn falls, that of what it cannot stays flat
//   forgetting  v_j = −(forgetting events), an event being a target in the top FORGETTING_TOP of
//               the items one epoch and not the next (Toneva et al., ICLR 2019, with "learned"
//               read as a hit at the product's cut-off rather than the argmax of a catalogue-sized
//               softmax); one never learned ranks below any that was (its count is taken as E)
// An interaction the model keeps finding implausible while it learns the rest is the likely
// noise. These are weaker than a held-out score (cross-fit.ts: the model also learns to predict
// the noise, so its loss falls epoch by epoch), which the mean over epochs softens; their merit
// is cost on large catalogues. See docs/decisions/0004-quarantine-and-truncated-loss.md and
// docs/decisions/0022-training-dynamics-readings-and-dealrec.md.
import type { InteractionTable } from '../data/types';
import type { FinetuneConfigInput } from '../ml/config';
import { disposeModel, type RecModel } from '../ml/encoder';
import { finetune, type FinetuneExamples } from '../ml/finetune';
import { CrossFitStoppedError, type CrossFitHooks } from './cross-fit';
import type { DynamicsScore } from './training-dynamics-config';

export interface DynamicsData {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
}

/** What the warm-up logged: [epoch·n + j] for interaction j in each epoch (NaN where j was no target; the three are written together). */
export interface DynamicsLogs {
  readonly loss: Float32Array;
  readonly margin: Float32Array;
  /** items that outranked the target (among the sampled negatives for a sampled loss) */
  readonly rank: Float32Array;
  readonly epochs: number;
  readonly n: number;
}

/** A target is learned in an epoch when it is among this many items: HR@10, the cut-off the product reports. */
export const FORGETTING_TOP = 10;

/** A warm-up fine-tune that logged its targets' figures, with the model it left and that model's checkpoint. */
export interface LoggedWarmup {
  readonly logs: DynamicsLogs;
  readonly model: RecModel;
  readonly checkpointDir: string;
}

/**
 * One warm-up fine-tune of `epochs` from `init` on `data` (every interaction a target unless
 * `examples` says otherwise), logging each target's loss, margin and rank in every epoch; `label`
 * names it in a stop. The caller disposes the model.
 */
export async function loggedWarmup(data: DynamicsData & { readonly examples?: FinetuneExamples }, init: RecModel, finetuneConfig: FinetuneConfigInput, epochs: number, run: { readonly checkpointDir: string; readonly shouldStop?: () => boolean }, label: string): Promise<LoggedWarmup> {
  const n = data.train.length;
  // shared memory: data-parallel threads log the figures of their share of each batch here
  const shared = () => new Float32Array(new SharedArrayBuffer(4 * epochs * n)).fill(Number.NaN);
  const logs = { loss: shared(), margin: shared(), rank: shared(), epochs, n };
  const trained = await finetune({ ...data, lossLog: logs.loss, marginLog: logs.margin, rankLog: logs.rank }, init, { ...finetuneConfig, epochs }, run);
  if (trained.stopped || !trained.checkpointDir) {
    disposeModel(trained.model);
    throw new CrossFitStoppedError(`${label} stopped on request after ${trained.epochsDone} of ${epochs} epochs`);
  }
  return { logs, model: trained.model, checkpointDir: trained.checkpointDir };
}

/** The logs of one warm-up fine-tune of `warmupEpochs` from `pretrained` on every training interaction. */
export async function trainingDynamicsLogs(data: DynamicsData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, warmupEpochs: number, hooks: CrossFitHooks): Promise<DynamicsLogs> {
  hooks.progress?.(`training dynamics: warm-up fine-tune of ${warmupEpochs} epochs on ${data.train.length} interactions`);
  const warmup = await loggedWarmup(data, pretrained, finetuneConfig, warmupEpochs, { checkpointDir: `${hooks.checkpointDir}/dynamics`, shouldStop: hooks.shouldStop }, 'training dynamics');
  disposeModel(warmup.model);
  return warmup.logs;
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
    values[j] = loss.length > 0 ? perInteraction({ loss, margin: series(logs.margin, j), rank: series(logs.rank, j) }, logs.epochs) : Number.NaN;
    if (loss.length > 0) lowest = Math.min(lowest, values[j] as number);
  }
  if (!Number.isFinite(lowest)) throw new Error('training dynamics: no loss was logged; the warm-up trained on no interaction');
  for (let j = 0; j < logs.n; j++) if (Number.isNaN(values[j])) values[j] = lowest;
  return values;
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

/** Times a target among the top FORGETTING_TOP items in one logged epoch was not in the next; `epochs` if it never was. */
function forgettingEvents(ranks: Float64Array, epochs: number): number {
  const learned = (e: number) => (ranks[e] as number) < FORGETTING_TOP;
  let learnedOnce = false;
  let events = 0;
  for (let e = 0; e < ranks.length; e++) {
    if (e > 0 && !learned(e) && learned(e - 1)) events++;
    learnedOnce ||= learned(e);
  }
  return learnedOnce ? events : epochs;
}

/** One interaction's logged epochs, each series without the epochs it was no target in. */
interface Series {
  readonly loss: Float64Array;
  readonly margin: Float64Array;
  readonly rank: Float64Array;
}

const READINGS: Record<DynamicsScore, (s: Series, epochs: number) => number> = {
  'mean-loss': (s) => -mean(s.loss),
  margin: (s) => mean(s.margin),
  'loss-trend': (s) => -slope(s.loss),
  forgetting: (s, epochs) => -forgettingEvents(s.rank, epochs),
};
