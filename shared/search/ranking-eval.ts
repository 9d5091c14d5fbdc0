// NDCG@K for query rankings over the whole catalogue, with graded gains (shared/eval/metrics.ts:
// gain 2^rel − 1), and its standard error over queries. A query without any judged relevant
// item has no NDCG and is left out (counted in `skipped`).

import { ndcgAtK } from '../eval/metrics';
import { rankTargets } from '../eval/target-ranks';
import { judgedItems, type SearchTask } from './search-task';

export interface RankingSummary {
  /** per evaluated query, in the order of `queries` with skipped ones removed */
  readonly perQuery: Float64Array;
  /** the query of each perQuery entry */
  readonly queryIds: Int32Array;
  readonly mean: number;
  /** standard error of the mean over queries: sd / sqrt(n) */
  readonly standardError: number;
  readonly queries: number;
  readonly skipped: number;
}

/** Fills `out` with one score per catalogue item for query q (higher ranks first). */
export type QueryScorer = (query: number, out: Float32Array) => void;

export function evaluateRanking(task: SearchTask, queries: Int32Array, scorer: QueryScorer, k = 10): RankingSummary {
  const numItems = task.itemIds.length;
  const scores = new Float32Array(numItems);
  const noneExcluded = new Int32Array(numItems);
  const values: number[] = [];
  const evaluated: number[] = [];
  let skipped = 0;
  for (const q of queries) {
    const { items, gains } = judgedItems(task, q);
    if (items.length === 0) {
      skipped++;
      continue;
    }
    scorer(q, scores);
    const ranks = new Int32Array(items.length);
    rankTargets(scores, 0, numItems, noneExcluded, -1, items, ranks, q);
    values.push(ndcgAtK(ranks, gains, k));
    evaluated.push(q);
  }
  return summarize(Float64Array.from(values), Int32Array.from(evaluated), skipped);
}

export function summarize(perQuery: Float64Array, queryIds: Int32Array, skipped = 0): RankingSummary {
  const n = perQuery.length;
  const mean = n > 0 ? perQuery.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const variance = n > 1 ? perQuery.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : Number.NaN;
  return { perQuery, queryIds, mean, standardError: Math.sqrt(variance / n), queries: n, skipped };
}
