// Ranking metrics for one user's FULL ranking (never sampled negatives), defined once for the
// whole project. Every metric is computed from where the user's relevant items landed:
//
//   ranks[t]     0-based position of relevant item t in the user's full ranked list
//                (ties already broken: lower item index first, see topk.ts)
//   relevance[t] its graded relevance (> 0)
//   listLength   how many items were ranked (all items minus the excluded seen ones)
//
// A metric that is undefined for a user (no relevant item; AUC with no negative item) is NaN,
// and `MetricAverager` leaves NaN out of that metric's mean and counts who was left out.

/**
 * NDCG@K with exponential gain (Järvelin & Kekäläinen 2002; gain form of Burges et al. 2005):
 *   DCG@K  = Σ_{t: rank_t < K} (2^{rel_t} − 1) / log2(rank_t + 2)
 *   IDCG@K = the same sum over the relevances sorted descending, placed at ranks 0..min(K,R)−1
 *   NDCG@K = DCG@K / IDCG@K
 * With binary relevance (rel = 1) the gain is 1, the usual leave-one-out NDCG.
 */
export function ndcgAtK(ranks: Int32Array, relevance: Float32Array, k: number): number {
  assertSameLength(ranks, relevance);
  if (ranks.length === 0) return Number.NaN;
  let dcg = 0;
  for (let t = 0; t < ranks.length; t++) {
    const rank = ranks[t]!;
    if (rank < k) dcg += gain(relevance[t]!) / Math.log2(rank + 2);
  }
  const ideal = Float32Array.from(relevance).sort().reverse();
  let idcg = 0;
  const cut = Math.min(k, ideal.length);
  for (let position = 0; position < cut; position++) idcg += gain(ideal[position]!) / Math.log2(position + 2);
  return idcg > 0 ? dcg / idcg : Number.NaN;
}

/** HR@K (hit rate): 1 when at least one relevant item is in the top K, else 0. */
export function hitRateAtK(ranks: Int32Array, k: number): number {
  if (ranks.length === 0) return Number.NaN;
  for (let t = 0; t < ranks.length; t++) if (ranks[t]! < k) return 1;
  return 0;
}

/** Recall@K = |relevant ∩ top K| / |relevant| (equals HR@K under leave-one-out). */
export function recallAtK(ranks: Int32Array, k: number): number {
  if (ranks.length === 0) return Number.NaN;
  let hits = 0;
  for (let t = 0; t < ranks.length; t++) if (ranks[t]! < k) hits++;
  return hits / ranks.length;
}

/** Reciprocal rank over the full list (no cutoff): 1 / (1 + rank of the first relevant item). */
export function reciprocalRank(ranks: Int32Array): number {
  if (ranks.length === 0) return Number.NaN;
  let best = Number.POSITIVE_INFINITY;
  for (let t = 0; t < ranks.length; t++) best = Math.min(best, ranks[t]!);
  return 1 / (best + 1);
}

/**
 * AUC of one user's ranking: the fraction of (relevant, non-relevant) pairs ordered correctly.
 * With R relevant items among L ranked ones, the relevant item at rank r has
 * (r − #relevant ranked before it) non-relevant items above it, so
 *   AUC = 1 − Σ_t negativesAbove_t / (R · (L − R)).
 */
export function aucOfRanking(ranks: Int32Array, listLength: number): number {
  const relevantCount = ranks.length;
  const negativeCount = listLength - relevantCount;
  if (relevantCount === 0 || negativeCount <= 0) return Number.NaN;
  const sorted = Int32Array.from(ranks).sort();
  let negativesAbove = 0;
  for (let t = 0; t < relevantCount; t++) {
    const rank = sorted[t]!;
    if (rank >= listLength || (t > 0 && rank === sorted[t - 1])) {
      throw new RangeError(
        `aucOfRanking: ranks must be distinct and < listLength (${listLength}); got ${rank} at sorted position ${t}. ` +
          'Compute ranks from one full ranking (evaluate.ts does).',
      );
    }
    negativesAbove += rank - t;
  }
  return 1 - negativesAbove / (relevantCount * negativeCount);
}

/** The metrics every report prints, for one user. */
export interface UserMetrics {
  ndcg: number;
  hitRate: number;
  recall: number;
  mrr: number;
  auc: number;
}

export const METRIC_NAMES = ['ndcg', 'hitRate', 'recall', 'mrr', 'auc'] as const satisfies readonly (keyof UserMetrics)[];
export type MetricName = (typeof METRIC_NAMES)[number];

/** All metrics of one user's ranking at cutoff K. */
export function userMetrics(ranks: Int32Array, relevance: Float32Array, listLength: number, k: number): UserMetrics {
  return {
    ndcg: ndcgAtK(ranks, relevance, k),
    hitRate: hitRateAtK(ranks, k),
    recall: recallAtK(ranks, k),
    mrr: reciprocalRank(ranks),
    auc: aucOfRanking(ranks, listLength),
  };
}

/** Means over users; a NaN (undefined for that user) is left out and counted per metric. */
export class MetricAverager {
  private readonly sums: Record<MetricName, number> = { ndcg: 0, hitRate: 0, recall: 0, mrr: 0, auc: 0 };
  private readonly counts: Record<MetricName, number> = { ndcg: 0, hitRate: 0, recall: 0, mrr: 0, auc: 0 };

  add(metrics: UserMetrics): void {
    for (const name of METRIC_NAMES) {
      const value = metrics[name];
      if (Number.isNaN(value)) continue;
      this.sums[name] += value;
      this.counts[name] += 1;
    }
  }

  /** Mean per metric (NaN when no user had it defined) and how many users each mean covers. */
  result(): { means: UserMetrics; usersPerMetric: Record<MetricName, number> } {
    const means = {} as UserMetrics;
    for (const name of METRIC_NAMES) {
      means[name] = this.counts[name] > 0 ? this.sums[name] / this.counts[name] : Number.NaN;
    }
    return { means, usersPerMetric: { ...this.counts } };
  }
}

function gain(relevance: number): number {
  return 2 ** relevance - 1;
}

function assertSameLength(ranks: Int32Array, relevance: Float32Array): void {
  if (ranks.length !== relevance.length) {
    throw new RangeError(`ndcgAtK: ranks (${ranks.length}) and relevance (${relevance.length}) must have one entry per relevant item`);
  }
}
