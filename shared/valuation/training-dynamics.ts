// Training dynamics as values: one warm-up fine-tune from the pretrained encoder on every
// training interaction, reading each interaction's loss as a target in every epoch from the
// training step itself (softmax-loss.ts `observe`), so the values cost the warm-up and nothing
// more — no scoring pass over the catalogue, unlike cross-fit. The value is the negated mean
// loss over the warm-up epochs:
//   v_j = −(1/E) Σ_e ℓ_e(j)
// An interaction the model keeps finding implausible while it learns the rest is the likely
// noise. It is weaker than a held-out score (cross-fit.ts: the model also learns to predict
// the noise, so its loss falls epoch by epoch), which the mean over epochs softens; its merit
// is cost on large catalogues. See docs/decisions/0004-quarantine-and-truncated-loss.md.
import type { InteractionTable } from '../data/types';
import type { FinetuneConfigInput } from '../ml/config';
import { disposeModel, type RecModel } from '../ml/encoder';
import { finetune } from '../ml/finetune';
import { CrossFitStoppedError, type CrossFitHooks } from './cross-fit';

export interface DynamicsData {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
}

/** One value per training interaction (higher = more plausible): its negated mean training loss over `warmupEpochs`. */
export async function trainingDynamicsValues(data: DynamicsData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, warmupEpochs: number, hooks: CrossFitHooks): Promise<Float64Array> {
  const n = data.train.length;
  // shared memory: data-parallel threads log the losses of their share of each batch here
  const lossLog = new Float32Array(new SharedArrayBuffer(4 * warmupEpochs * n)).fill(Number.NaN);
  hooks.progress?.(`training dynamics: warm-up fine-tune of ${warmupEpochs} epochs on ${n} interactions`);
  const trained = await finetune({ ...data, lossLog }, pretrained, { ...finetuneConfig, epochs: warmupEpochs }, { checkpointDir: `${hooks.checkpointDir}/dynamics`, shouldStop: hooks.shouldStop });
  disposeModel(trained.model);
  if (trained.stopped) throw new CrossFitStoppedError(`training dynamics stopped on request after ${trained.epochsDone} of ${warmupEpochs} warm-up epochs`);
  return meanLossValues(lossLog, warmupEpochs, n);
}

/** −mean over epochs of each interaction's logged loss; an interaction never logged gets the lowest value seen. */
export function meanLossValues(lossLog: Float32Array, epochs: number, n: number): Float64Array {
  const values = new Float64Array(n);
  let lowest = Infinity;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    let count = 0;
    for (let e = 0; e < epochs; e++) {
      const v = lossLog[e * n + j] as number;
      if (Number.isFinite(v)) { sum += v; count++; }
    }
    values[j] = count > 0 ? -sum / count : Number.NaN;
    if (count > 0) lowest = Math.min(lowest, values[j] as number);
  }
  if (!Number.isFinite(lowest)) throw new Error('training dynamics: no loss was logged; the warm-up trained on no interaction');
  for (let j = 0; j < n; j++) if (Number.isNaN(values[j])) values[j] = lowest;
  return values;
}
