// Held-out likelihood from the model that is actually trained (docs/architecture.md §1, "values from the
// model actually trained"): the training interactions are dealt into K folds; for each fold a
// short warm-up fine-tune from the pretrained encoder trains on the other folds' interactions
// (every interaction stays in the histories as context) and then scores the fold's own,
// which it has never been asked to predict. An interaction's value is how plausible its item
// is given the user's earlier items under that model:
//   v_j = log p_{θ_{-f(j)}}(y_j | x_j)        (score 'logProb')
//   v_j = share of the catalogue y_j outranks (score 'outranks')
// (both against a fixed sample of `scoreItems` items when set: ml/target-scores.ts).
// Why held out: a model that has trained on a spurious interaction learns to predict it, and
// its own loss on it falls epoch by epoch (training dynamics lose the signal as the model
// memorises); a model that has not seen it ranks it where the rest of the data puts it.
// For an interaction whose item was replaced uniformly at random the Bayes-optimal detector
// ranks by p(y | x) under the clean data's model, which the held-out fold model estimates.
// With `rounds` > 1 the fold models of each later round train only on the rows the previous
// round kept (its top `refitKeep`), still on the same folds: a model that never learns the
// suspected rows predicts the clean ones better (docs/decisions/0020-cross-fit-refit-round.md).
// With `directions: 'both'` each fold is valued a second time by a model of the reversed
// histories, which reads an item from the items after it: a random item is implausible from
// both sides, and the two readings err on different interactions
// (docs/decisions/0021-cross-fit-both-directions.md). The value is the mean of the two.
// Cost per round and direction: K warm-ups of `warmupEpochs` epochs plus one scoring pass.
import type { z } from 'zod';
import type { InteractionTable } from '../data/types';
import type { FinetuneConfigInput } from '../ml/config';
import type { RecModel } from '../ml/encoder';
import { disposeModel } from '../ml/encoder';
import { finetune } from '../ml/finetune';
import { drawCandidates, scoreTargets } from '../ml/target-scores';
import { reversedTime } from '../data/preprocess/sequences';
import { mixSeed, Random } from '../random';
import { CrossFitConfigSchema, type CrossFitConfig } from './cross-fit-config';
import { ValuationInputError } from './errors';
import { dealFolds } from './folds';
import { selectImportant } from './selection';

export { dealFolds } from './folds';

export interface CrossFitData {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
  /** rows a fold model may train on (default all); e.g. a previous round's kept set */
  readonly trainable?: Uint8Array;
}

export interface CrossFitHooks {
  /** a folder for the warm-up fine-tunes' checkpoints (one sub-folder per fold) */
  readonly checkpointDir: string;
  readonly progress?: (phase: string) => void;
  readonly shouldStop?: () => boolean;
}

export class CrossFitStoppedError extends Error {
  override name = 'CrossFitStoppedError';
}

/** One value per training interaction (higher = more plausible), from held-out fold models. */
export async function crossFitValues(data: CrossFitData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, configInput: CrossFitConfig, hooks: CrossFitHooks): Promise<Float64Array> {
  const config = CrossFitConfigSchema.parse(configInput);
  const fold = dealFolds(data.train.length, config.folds, config.seed);
  // a stream of its own: the fold deal draws from Sfc32(seed) and the warm-ups from Random(seed)
  const candidates = config.scoreItems === undefined ? undefined : drawCandidates(data.numItems, config.scoreItems, new Random(mixSeed(config.seed)));
  // the backward models warm up from the same pretrained encoder: a pretrain of their own on the reversed histories buys no detection (decision 0021)
  const reversed = config.directions === 'both' ? reversedTime(data.train) : undefined;
  const setup: RoundSetup = { fold, pretrained, warmup: { ...finetuneConfig, epochs: config.warmupEpochs }, config, candidates, reversed, hooks };
  let values = await oneRound(data, setup, 1);
  for (let round = 2; round <= config.rounds; round++) {
    // the same folds every round: a fold's rows never train the model that scores them
    const trainable = new Uint8Array(data.train.length);
    for (const j of selectImportant(values, { keep: config.refitKeep, lambda: 0 }).important) if (!data.trainable || data.trainable[j]) trainable[j] = 1;
    values = await oneRound({ ...data, trainable }, setup, round);
  }
  return values;
}

/** What every round shares: the fold deal, the warm-up's start and settings, the scored items. */
interface RoundSetup {
  readonly fold: Uint8Array;
  readonly pretrained: RecModel;
  readonly warmup: FinetuneConfigInput;
  readonly config: z.output<typeof CrossFitConfigSchema>;
  readonly candidates: Int32Array | undefined;
  /** the training rows in reversed time order, where the round is read in both directions */
  readonly reversed: CrossFitData['train'] | undefined;
  readonly hooks: CrossFitHooks;
}

/** The round's values: forward, or the mean of the forward and the backward reading. */
async function oneRound(data: CrossFitData, setup: RoundSetup, round: number): Promise<Float64Array> {
  const roundLabel = setup.config.rounds === 1 ? '' : `round ${round}/${setup.config.rounds}, `;
  if (!setup.reversed) return oneDirection(data, setup, round, roundLabel, '');
  const forward = await oneDirection(data, setup, round, `${roundLabel}forward `, '');
  const backward = await oneDirection({ ...data, train: setup.reversed }, setup, round, `${roundLabel}backward `, 'backward-');
  for (let j = 0; j < forward.length; j++) forward[j] = (forward[j]! + backward[j]!) / 2;
  return forward;
}

/** Every fold scored by a warm-up fine-tune on the other folds' trainable rows, in the order of `data.train`'s times. */
async function oneDirection(data: CrossFitData, { fold, pretrained, warmup, config, candidates, hooks }: RoundSetup, round: number, label: string, checkpointPrefix: string): Promise<Float64Array> {
  const n = data.train.length;
  const values = new Float64Array(n);
  for (let f = 0; f < config.folds; f++) {
    const rest: number[] = [];
    const own: number[] = [];
    for (let j = 0; j < n; j++) {
      if (fold[j] === f) own.push(j);
      else if (!data.trainable || data.trainable[j]) rest.push(j);
    }
    if (rest.length === 0) throw new ValuationInputError('train', `leaves ${label}fold ${f + 1} of ${config.folds} no trainable interaction outside it`, `Use fewer folds or more training interactions${round > 1 ? ', or a larger refitKeep' : ''}.`);
    hooks.progress?.(`${label}fold ${f + 1}/${config.folds}: warm-up fine-tune on ${rest.length} interactions`);
    const trained = await finetune(
      { ...data, examples: { indices: Int32Array.from(rest), weights: new Float32Array(rest.length).fill(1) } },
      pretrained,
      warmup,
      { checkpointDir: `${hooks.checkpointDir}/round-${round}/${checkpointPrefix}fold-${f}`, shouldStop: hooks.shouldStop },
    );
    try {
      // a warm-up stopped early would score its fold with a half-trained model: no values then
      if (trained.stopped) throw new CrossFitStoppedError(`cross-fit stopped on request during ${label}fold ${f + 1} of ${config.folds}, after ${trained.epochsDone} of ${config.warmupEpochs} warm-up epochs`);
      hooks.progress?.(`${label}fold ${f + 1}/${config.folds}: scoring ${own.length} held-out interactions`);
      const ownIdx = Int32Array.from(own);
      const scores = await scoreTargets(trained.model, { ...data, examples: { indices: ownIdx, weights: new Float32Array(own.length).fill(1) } }, warmup, undefined, candidates);
      const source = config.score === 'logProb' ? scores.logProb : scores.outranks;
      for (const j of ownIdx) values[j] = source[j]!;
    } finally {
      disposeModel(trained.model);
    }
  }
  return values;
}
