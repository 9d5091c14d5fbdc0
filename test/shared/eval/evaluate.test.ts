import { describe, expect, it } from 'vitest';
import { evaluateFullRanking, type BatchScorer } from '../../../shared/eval/evaluate';

/** A scorer from a fixed users × items table, recording the blocks it was asked for. */
function tableScorer(table: number[][], calls: number[][] = []): BatchScorer {
  return async (users) => {
    calls.push(Array.from(users));
    const numItems = table[0]!.length;
    const out = new Float32Array(users.length * numItems);
    users.forEach((user, row) => out.set(table[user]!, row * numItems));
    return out;
  };
}

const csr = (lists: number[][]) => {
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((list, user) => (offsets[user + 1] = offsets[user]! + list.length));
  return { offsets, items: Int32Array.from(lists.flat()) };
};

describe('evaluateFullRanking on a tiny dataset with obvious answers', () => {
  // 4 users × 5 items.
  const scores = [
    [5, 4, 3, 2, 1], // user 0: seen {0}; target 1 → first unseen item: rank 0
    [1, 2, 3, 4, 5], // user 1: seen {4, 3}; target 0 → unseen order 2,1,0: rank 2
    [0, 0, 0, 0, 0], // user 2: all tied, seen {}; target 3 → ties by index: rank 3
    [9, 9, 9, 9, 9], // user 3: no target
  ];
  const seen = csr([[0], [4, 3], [], [1]]);
  const targets = csr([[1], [0], [3], []]);

  it('computes ranks over all unseen items and the metric means', async () => {
    const calls: number[][] = [];
    const result = await evaluateFullRanking({
      scorer: tableScorer(scores, calls),
      numItems: 5,
      seen,
      targets,
      k: 2,
      blockSize: 2,
      users: Int32Array.from([0, 1, 2, 3]),
      keepTopK: true,
    });
    expect(calls).toEqual([[0, 1], [2, 3]]);
    // user 0: rank 0 of 4 → HR 1, NDCG 1, MRR 1, AUC 1
    // user 1: rank 2 of 3 → HR@2 0, NDCG 0, MRR 1/3, AUC 1 − 2/2 = 0
    // user 2: rank 3 of 5 → HR@2 0, NDCG 0, MRR 1/4, AUC 1 − 3/4 = 0.25
    expect(Array.from(result.perUser.mrr.subarray(0, 3))).toEqual([1, 1 / 3, 0.25].map(Math.fround));
    expect(result.perUser.ndcg[3]).toBeNaN();
    expect(result.means.hitRate).toBeCloseTo(1 / 3, 6);
    expect(result.means.ndcg).toBeCloseTo(1 / 3, 6);
    expect(result.means.mrr).toBeCloseTo((1 + 1 / 3 + 0.25) / 3, 6);
    expect(result.means.auc).toBeCloseTo((1 + 0 + 0.25) / 3, 6);
    expect(result.counts).toMatchObject({ usersEvaluated: 3, usersWithoutTargets: 1, targets: 3, seenTargets: 0 });
    // top-2 lists agree with the ranks: user 0 → [1, 2]; user 1 → [2, 1]; user 2 → [0, 1]; user 3 → [0, 2]
    expect(Array.from(result.topK!.items)).toEqual([1, 2, 2, 1, 0, 1, 0, 2]);
  });

  it('a target the user already saw is ranked after every candidate (a miss)', async () => {
    const result = await evaluateFullRanking({
      scorer: tableScorer(scores),
      numItems: 5,
      seen: csr([[0, 1], [], [], []]),
      targets: csr([[1, 2], [], [], []]),
      k: 1,
    });
    // candidates {2,3,4} then seen target 1: ranks 0 (item 2) and 3 (item 1) in a list of 4
    expect(result.counts.seenTargets).toBe(1);
    expect(result.means.recall).toBe(0.5);
    // AUC: negatives 2; item 2 has 0 above, item 1 has 3 − 1 = 2 above → 1 − 2/4
    expect(result.means.auc).toBeCloseTo(0.5, 6);
  });

  it('uses graded relevance, ignores relevance ≤ 0, and merges duplicate targets', async () => {
    const result = await evaluateFullRanking({
      scorer: tableScorer(scores),
      numItems: 5,
      seen: csr([[], [], [], []]),
      targets: { ...csr([[1, 0, 1, 4], [], [], []]), relevance: Float32Array.from([1, 0, 2, 3]) },
      k: 2,
    });
    // relevant: item 1 (max rel 2) at rank 1, item 4 (rel 3) at rank 4; item 0 (rel 0) is a negative.
    // DCG@2 = 3/log2(3); IDCG@2 = 7 + 3/log2(3)
    const expected = 3 / Math.log2(3) / (7 + 3 / Math.log2(3));
    expect(result.means.ndcg).toBeCloseTo(expected, 6);
    expect(result.counts.targets).toBe(2);
  });

  it('says which argument is wrong when the scorer returns the wrong shape', async () => {
    await expect(
      evaluateFullRanking({ scorer: async () => new Float32Array(3), numItems: 5, seen, targets, k: 2 }),
    ).rejects.toThrow(/expected users × numItems/);
    await expect(evaluateFullRanking({ scorer: tableScorer(scores), numItems: 5, seen, targets, k: 0 })).rejects.toThrow(/k:/);
  });
});
