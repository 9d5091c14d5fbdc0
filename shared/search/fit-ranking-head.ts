// Training the ranking head on the training queries' searches and judgments, choosing the
// settings (grid point and epoch) by NDCG@10 on the validation queries. Test queries are not
// touched here: the caller evaluates them once with the chosen head.

import type { Matrix } from '../data/types';
import { searchesOf } from './query-split';
import { RankingHead, type RankingHeadOptions, type TrainingLists } from './ranking-head';
import { evaluateRanking, type RankingSummary } from './ranking-eval';
import type { GainLists, SearchTask } from './search-task';

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

/** The training queries' logged searches, then (when asked) their judgment lists, as one list set. */
export function trainingLists(task: SearchTask, trainQueries: Int32Array, withJudgments: boolean): TrainingLists {
  const searchRows = searchesOf(task.searchQuery, trainQueries, task.queryTexts.length);
  const judgedRows = (withJudgments ? Array.from(trainQueries) : []).filter((q) => task.judgments.start[q + 1]! > task.judgments.start[q]!);
  const parts: { from: GainLists; row: number; query: number }[] = [
    ...Array.from(searchRows, (s) => ({ from: task.searches, row: s, query: task.searchQuery[s]! })),
    ...judgedRows.map((q) => ({ from: task.judgments, row: q, query: q })),
  ];
  const start = new Int32Array(parts.length + 1);
  parts.forEach((p, r) => (start[r + 1] = start[r]! + p.from.start[p.row + 1]! - p.from.start[p.row]!));
  const item = new Int32Array(start[parts.length]!);
  const gain = new Float32Array(start[parts.length]!);
  parts.forEach((p, r) => {
    const from = p.from.start[p.row]!;
    const to = p.from.start[p.row + 1]!;
    item.set(p.from.item.subarray(from, to), start[r]!);
    gain.set(p.from.gain.subarray(from, to), start[r]!);
  });
  return { lists: { start, item, gain }, rows: Int32Array.from(parts.keys()), listQuery: Int32Array.from(parts, (p) => p.query) };
}
