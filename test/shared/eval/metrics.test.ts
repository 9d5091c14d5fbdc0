import { describe, expect, it } from 'vitest';
import {
  aucOfRanking,
  hitRateAtK,
  MetricAverager,
  ndcgAtK,
  recallAtK,
  reciprocalRank,
  userMetrics,
} from '../../../shared/eval/metrics';

const ranks = (...values: number[]) => Int32Array.from(values);
const rel = (...values: number[]) => Float32Array.from(values);

describe('metrics of one user\'s full ranking match hand computation', () => {
  it('two binary targets at ranks 0 and 3, K = 3, list of 5', () => {
    // DCG  = 1/log2(0+2)                 = 1
    // IDCG = 1/log2(2) + 1/log2(3)       = 1 + 0.630930 = 1.630930
    // NDCG = 1 / 1.630930                = 0.613147
    expect(ndcgAtK(ranks(0, 3), rel(1, 1), 3)).toBeCloseTo(0.613147, 5);
    expect(hitRateAtK(ranks(0, 3), 3)).toBe(1);
    // one of the two targets is in the top 3
    expect(recallAtK(ranks(0, 3), 3)).toBe(0.5);
    // first relevant at rank 0 → 1/1
    expect(reciprocalRank(ranks(0, 3))).toBe(1);
    // negatives = 5 − 2 = 3; negatives above: rank 0 → 0, rank 3 → 3 − 1 = 2; AUC = 1 − 2/(2·3) = 2/3
    expect(aucOfRanking(ranks(0, 3), 5)).toBeCloseTo(2 / 3, 12);
  });

  it('graded relevance uses gain 2^rel − 1', () => {
    // targets: rel 2 at rank 1, rel 1 at rank 0
    // DCG  = (2²−1)/log2(3) + (2¹−1)/log2(2) = 3/1.584963 + 1 = 2.892789
    // IDCG = 3/log2(2) + 1/log2(3)           = 3 + 0.630930 = 3.630930
    // NDCG = 0.796708
    expect(ndcgAtK(ranks(1, 0), rel(2, 1), 10)).toBeCloseTo(0.796708, 5);
    // at K = 1 only rank 0 counts: DCG = 1, IDCG = 3 → 1/3
    expect(ndcgAtK(ranks(1, 0), rel(2, 1), 1)).toBeCloseTo(1 / 3, 6);
  });

  it('a miss scores zero at K but still counts in MRR and AUC', () => {
    // single target at rank 12 of 20: HR@10 = NDCG@10 = 0, MRR = 1/13, AUC = 1 − 12/(1·19) = 7/19
    const m = userMetrics(ranks(12), rel(1), 20, 10);
    expect(m.hitRate).toBe(0);
    expect(m.ndcg).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.mrr).toBeCloseTo(1 / 13, 12);
    expect(m.auc).toBeCloseTo(7 / 19, 12);
  });

  it('K larger than the list: the list is scored as a whole', () => {
    // list of 3, target at rank 2, K = 10: NDCG = 1/log2(4) / 1 = 0.5, MRR = 1/3, AUC = 1 − 2/(1·2) = 0
    const m = userMetrics(ranks(2), rel(1), 3, 10);
    expect(m.hitRate).toBe(1);
    expect(m.recall).toBe(1);
    expect(m.ndcg).toBeCloseTo(0.5, 12);
    expect(m.mrr).toBeCloseTo(1 / 3, 12);
    expect(m.auc).toBe(0);
  });

  it('no relevant item: every metric is undefined (NaN), not zero', () => {
    const m = userMetrics(ranks(), rel(), 10, 10);
    for (const value of Object.values(m)) expect(value).toBeNaN();
  });

  it('AUC is undefined when every listed item is relevant', () => {
    expect(aucOfRanking(ranks(0, 1), 2)).toBeNaN();
  });

  it('rejects ranks that cannot come from one ranking', () => {
    expect(() => aucOfRanking(ranks(1, 1), 5)).toThrow(/distinct/);
    expect(() => ndcgAtK(ranks(1), rel(1, 2), 5)).toThrow(/one entry per relevant item/);
  });
});

describe('MetricAverager', () => {
  it('averages over users where a metric is defined and counts them', () => {
    const averager = new MetricAverager();
    averager.add(userMetrics(ranks(0), rel(1), 10, 10)); // ndcg 1, auc 1
    averager.add(userMetrics(ranks(2), rel(1), 3, 10)); // ndcg 0.5, auc 0
    averager.add(userMetrics(ranks(0, 1), rel(1, 1), 2, 10)); // ndcg 1, auc NaN
    const { means, usersPerMetric } = averager.result();
    // ndcg: (1 + 0.5 + 1)/3; auc: (1 + 0)/2
    expect(means.ndcg).toBeCloseTo(2.5 / 3, 12);
    expect(usersPerMetric.ndcg).toBe(3);
    expect(means.auc).toBeCloseTo(0.5, 12);
    expect(usersPerMetric.auc).toBe(2);
  });
});
