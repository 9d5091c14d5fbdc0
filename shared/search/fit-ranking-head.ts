// Training the ranking head on the training queries' searches and judgments, choosing the
// settings (grid point and epoch) by NDCG@10 on the validation queries. Test queries are not
// touched here: the caller evaluates them once with the chosen head.

import type { Matrix } from '../data/types';
import { RankingHead, type RankingHeadOptions } from './ranking-head';
import { evaluateRanking, type RankingSummary } from './ranking-eval';
import type { SearchTask } from './search-task';
import { trainingLists } from './training-lists';

export interface FitResult {
  readonly head: RankingHead;
  readonly options: RankingHeadOptions;
  readonly epoch: number;
  readonly validation: RankingSummary;
  /** one line per grid point and epoch: settings, loss, validation NDCG@10 */
  readonly log: readonly string[];
}

export function fitRankingHead(
  task: SearchTask,
  queryEmbeddings: Matrix,
  itemEmbeddings: Matrix,
  split: { train: Int32Array; validation: Int32Array },
  grid: readonly RankingHeadOptions[],
  epochs: number,
  /** also learn from the training queries' graded judgments (real judgments, not planted truth) */
  trainOnJudgments = false,
): FitResult {
  if (grid.length === 0) throw new RangeError('fitRankingHead: empty settings grid');
  const training = trainingLists(task, split.train, trainOnJudgments);
  if (training.rows.length === 0) throw new RangeError('fitRankingHead: the training queries have no logged search or judgment with a positive gain');
  const dim = queryEmbeddings.cols;
  const log: string[] = [];
  let best: FitResult | undefined;
  for (const options of grid) {
    const head = new RankingHead(itemEmbeddings, options);
    const scorer = (q: number, out: Float32Array) => head.scoreAll(queryEmbeddings.data.subarray(q * dim, (q + 1) * dim), out);
    let bestHere = { validation: evaluateRanking(task, split.validation, scorer), epoch: 0, params: head.snapshot() };
    log.push(`${JSON.stringify(options)} epoch 0 (zero-shot start): validation NDCG@10 ${bestHere.validation.mean.toFixed(4)}`);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const loss = head.trainEpoch(queryEmbeddings, training);
      const validation = evaluateRanking(task, split.validation, scorer);
      log.push(`${JSON.stringify(options)} epoch ${epoch}: loss ${loss.toFixed(4)}, validation NDCG@10 ${validation.mean.toFixed(4)}`);
      if (validation.mean > bestHere.validation.mean) bestHere = { validation, epoch, params: head.snapshot() };
    }
    head.restore(bestHere.params);
    if (!best || bestHere.validation.mean > best.validation.mean) best = { head, options, epoch: bestHere.epoch, validation: bestHere.validation, log };
  }
  return best!;
}
