// Values of the logged clicks of search: every result a training query's search took up (gain
// > 0: click, add-to-cart, purchase) gets one value, higher = more plausible. A click on an
// irrelevant item is the typical noise of search logs, and a ranking head that has learnt what
// the rest of the logs say about the query ranks such an item low. Two methods, the search
// forms of the interaction valuations (shared/valuation/cross-fit.ts, training-dynamics.ts):
// - 'cross-fit': the training searches are dealt into K folds; for each fold a head trains on
//   the other folds' searches and scores the fold's clicks, which it never trained on, by
//     v = log p(i | q) = s(q, i) − log Σ_{j ∈ catalogue} exp s(q, j)
// - 'dynamics': one head trains on every search and logs each click's log-probability among
//   its list's candidates (ranking-head.ts `observe`) every epoch; v = the mean over epochs.
// Which one the pipeline uses and why: docs/decisions/0015-search-valuation.md.

import type { Matrix } from '../data/types';
import { dealFolds } from '../valuation/folds';
import { RankingHead, type TrainingLists } from './ranking-head';
import { searchesOf } from './query-split';
import { SearchInputError, type SearchTask } from './search-task';
import { searchValuationSchema, type SearchValuationOptions } from './search-spec';
import { trainingLists } from './training-lists';

export interface SearchValues {
  /** the valued entries of task.searches (results with gain > 0 of the training queries' searches), ascending */
  readonly entries: Int32Array;
  /** one value per entry */
  readonly values: Float64Array;
}

export interface SearchEmbeddings {
  /** one row per task query text */
  readonly queries: Matrix;
  /** one row per catalogue item */
  readonly items: Matrix;
}

/** The entries of task.searches valued for these training queries: their searches' results with gain > 0. */
export function valuedClickEntries(task: SearchTask, trainQueries: Int32Array): Int32Array {
  const { start, gain } = task.searches;
  const entries: number[] = [];
  for (const s of searchesOf(task.searchQuery, trainQueries, task.queryTexts.length)) {
    for (let p = start[s]!; p < start[s + 1]!; p++) if (gain[p]! > 0) entries.push(p);
  }
  return Int32Array.from(entries);
}

export function valueSearchClicks(task: SearchTask, embeddings: SearchEmbeddings, trainQueries: Int32Array, options: SearchValuationOptions, seed: number): SearchValues {
  const settings = searchValuationSchema.parse(options);
  const training = trainingLists(task, trainQueries, false);
  const rows = searchesOf(task.searchQuery, trainQueries, task.queryTexts.length);
  if (rows.length === 0) throw new SearchInputError('search valuation: the training queries have no logged search; there is no click to value');
  const head = (s: number) => new RankingHead(embeddings.items, { rank: settings.rank, learningRate: settings.learningRate, impressionNegatives: settings.impressionNegatives, seed: s });
  const perEntry = new Float64Array(training.lists.item.length).fill(Number.NaN);
  if (settings.method === 'cross-fit') {
    const fold = dealFolds(rows.length, settings.folds, seed);
    for (let f = 0; f < settings.folds; f++) {
      const rest = training.rows.filter((r) => fold[r] !== f);
      const own = training.rows.filter((r) => fold[r] === f);
      if (rest.length === 0 || own.length === 0) {
        throw new SearchInputError(`search valuation: ${rows.length} training searches cannot fill ${settings.folds} folds with searches on both sides of fold ${f + 1}; use fewer folds or more logged searches`);
      }
      const model = head(seed + f);
      for (let e = 0; e < settings.warmupEpochs; e++) model.trainEpoch(embeddings.queries, { ...training, rows: rest });
      catalogueLogProbs(model, embeddings, training, own, perEntry);
    }
  } else {
    const model = head(seed);
    const sum = new Float64Array(perEntry.length);
    const count = new Int32Array(perEntry.length);
    for (let e = 0; e < settings.warmupEpochs; e++) {
      model.trainEpoch(embeddings.queries, training, (p, logProb) => {
        sum[p]! += logProb;
        count[p]!++;
      });
    }
    for (let p = 0; p < perEntry.length; p++) if (count[p]! > 0) perEntry[p] = sum[p]! / count[p]!;
  }
  return toTaskEntries(task, rows, training, perEntry);
}

/** The clicks' log-probability over the catalogue under the untrained head (α · cosine): the zero-shot encoder's own view, a reference for the trained values. */
export function zeroShotClickValues(task: SearchTask, embeddings: SearchEmbeddings, trainQueries: Int32Array): SearchValues {
  const training = trainingLists(task, trainQueries, false);
  const rows = searchesOf(task.searchQuery, trainQueries, task.queryTexts.length);
  const perEntry = new Float64Array(training.lists.item.length).fill(Number.NaN);
  catalogueLogProbs(new RankingHead(embeddings.items, { rank: 1 }), embeddings, training, training.rows, perEntry);
  return toTaskEntries(task, rows, training, perEntry);
}

/** log p(i | q) over the whole catalogue for every positive entry of the lists `rows`, into perEntry (one scoring per distinct query). */
function catalogueLogProbs(model: RankingHead, embeddings: SearchEmbeddings, training: TrainingLists, rows: Int32Array, perEntry: Float64Array): void {
  const { start, item, gain } = training.lists;
  const byQuery = new Map<number, number[]>();
  for (const r of rows) {
    const q = training.listQuery[r]!;
    const lists = byQuery.get(q) ?? [];
    lists.push(r);
    byQuery.set(q, lists);
  }
  const dim = embeddings.queries.cols;
  const scores = new Float32Array(embeddings.items.rows);
  for (const [q, lists] of byQuery) {
    model.scoreAll(embeddings.queries.data.subarray(q * dim, (q + 1) * dim), scores);
    let max = -Infinity;
    for (const s of scores) max = Math.max(max, s);
    let sum = 0;
    for (const s of scores) sum += Math.exp(s - max);
    const logZ = max + Math.log(sum);
    for (const r of lists) for (let p = start[r]!; p < start[r + 1]!; p++) if (gain[p]! > 0) perEntry[p] = scores[item[p]!]! - logZ;
  }
}

/** Per list entry (trainingLists copies search rows[r] into list r in order) to per task entry, positives only. */
function toTaskEntries(task: SearchTask, rows: Int32Array, training: TrainingLists, perEntry: Float64Array): SearchValues {
  const entries: number[] = [];
  const values: number[] = [];
  rows.forEach((s, r) => {
    const from = training.lists.start[r]!;
    for (let k = 0; k < task.searches.start[s + 1]! - task.searches.start[s]!; k++) {
      if (training.lists.gain[from + k]! <= 0) continue;
      const value = perEntry[from + k]!;
      if (!Number.isFinite(value)) throw new Error(`search valuation: click ${task.searches.start[s]! + k} of search ${s} got no value`);
      entries.push(task.searches.start[s]! + k);
      values.push(value);
    }
  });
  return { entries: Int32Array.from(entries), values: Float64Array.from(values) };
}
