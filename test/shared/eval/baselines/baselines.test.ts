import { describe, expect, it } from 'vitest';
import { binaryUserItem } from '../../../../shared/eval/baselines/binary-user-item';
import { buildEase } from '../../../../shared/eval/baselines/ease';
import { buildItemKnn } from '../../../../shared/eval/baselines/item-knn';
import { buildMostPopular } from '../../../../shared/eval/baselines/most-popular';
import { gaussJordanInverse, interactions, randomPairs } from './tiny-data';

const allUsers = (n: number) => Int32Array.from({ length: n }, (_, u) => u);

describe('binaryUserItem', () => {
  it('dedupes rows and indexes the matrix both ways', () => {
    const matrix = binaryUserItem(interactions([[1, 2], [0, 1], [1, 0], [1, 2], [0, 2]]), 2, 3);
    expect(Array.from(matrix.userOffsets)).toEqual([0, 2, 4]);
    expect(Array.from(matrix.userItems)).toEqual([1, 2, 0, 2]);
    expect(Array.from(matrix.itemOffsets)).toEqual([0, 1, 2, 4]);
    expect(Array.from(matrix.itemUsers)).toEqual([1, 0, 0, 1]);
  });
});

describe('most-popular', () => {
  it('scores every user with the distinct-user count of each item', async () => {
    // item 0: users {0,1,2}; item 1: {1}; item 2: {0, 2} (user 0's duplicate counts once); item 3: none
    const matrix = binaryUserItem(interactions([[0, 0], [1, 0], [2, 0], [1, 1], [0, 2], [0, 2], [2, 2]]), 3, 4);
    const model = buildMostPopular(matrix);
    const scores = await model.scorer(Int32Array.from([2, 0]));
    expect(Array.from(scores)).toEqual([3, 1, 2, 0, 3, 1, 2, 0]);
  });
});

describe('item-kNN', () => {
  it('matches brute-force cosine with top-k neighbour lists', async () => {
    const numUsers = 30;
    const numItems = 17;
    const matrix = binaryUserItem(interactions(randomPairs(numUsers, numItems, 0.25, 3)), numUsers, numItems);
    const x = Array.from({ length: numUsers }, () => new Array<number>(numItems).fill(0));
    for (let u = 0; u < numUsers; u++) for (let p = matrix.userOffsets[u]!; p < matrix.userOffsets[u + 1]!; p++) x[u]![matrix.userItems[p]!] = 1;
    const column = (i: number) => x.map((row) => row[i]!);
    const cosine = (i: number, j: number) => {
      const a = column(i);
      const b = column(j);
      const dot = a.reduce((s, v, u) => s + v * b[u]!, 0);
      const norms = Math.sqrt(a.reduce((s, v) => s + v, 0) * b.reduce((s, v) => s + v, 0));
      return norms > 0 ? dot / norms : 0;
    };
    const k = 4;
    const neighbourSim = Array.from({ length: numItems }, (_, i) => {
      const ranked = [...Array(numItems).keys()]
        .filter((j) => j !== i && cosine(i, j) > 0)
        .sort((a, b) => cosine(i, b) - cosine(i, a) || a - b)
        .slice(0, k);
      const row = new Array<number>(numItems).fill(0);
      for (const j of ranked) row[j] = cosine(i, j);
      return row;
    });
    const model = buildItemKnn(matrix, { neighbours: k });
    const scores = await model.scorer(allUsers(numUsers));
    for (let u = 0; u < numUsers; u++) {
      for (let j = 0; j < numItems; j++) {
        const expected = x[u]!.reduce((s, v, i) => s + v * neighbourSim[i]![j]!, 0);
        expect(scores[u * numItems + j]).toBeCloseTo(expected, 5);
      }
    }
  });
});

describe('EASE', () => {
  const numUsers = 40;
  const numItems = 12;
  const matrix = binaryUserItem(interactions(randomPairs(numUsers, numItems, 0.3, 11)), numUsers, numItems);
  const dense = (kept: number[]) => {
    const x = Array.from({ length: numUsers }, () => new Array<number>(kept.length).fill(0));
    for (let u = 0; u < numUsers; u++) {
      for (let p = matrix.userOffsets[u]!; p < matrix.userOffsets[u + 1]!; p++) {
        const slot = kept.indexOf(matrix.userItems[p]!);
        if (slot >= 0) x[u]![slot] = 1;
      }
    }
    return x;
  };
  /** Naive EASE: G = XᵀX + λI, P = G⁻¹ by Gauss–Jordan, B_ij = −P_ij/P_jj, scores = X·B. */
  const naiveScores = (kept: number[], lambda: number) => {
    const x = dense(kept);
    const n = kept.length;
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] = x.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? lambda : 0);
    const p = gaussJordanInverse(g, n);
    const b = (i: number, j: number) => (i === j ? 0 : -p[i * n + j]! / p[j * n + j]!);
    return x.map((row) => kept.map((_, j) => row.reduce((s, v, i) => s + v * b(i, j), 0)));
  };

  it('matches the closed form computed with a naive Gauss–Jordan inverse', async () => {
    const model = buildEase(matrix, { lambda: 3 });
    const kept = [...Array(numItems).keys()];
    const expected = naiveScores(kept, 3);
    const scores = await model.scorer(allUsers(numUsers));
    for (let u = 0; u < numUsers; u++) for (let j = 0; j < numItems; j++) expect(scores[u * numItems + j]).toBeCloseTo(expected[u]![j]!, 4);
    expect(model.restriction).toMatchObject({ itemsKept: numItems, itemsTotal: numItems });
    expect(model.restriction.interactionsCovered).toBe(model.restriction.interactionsTotal);
  });

  it('fits only the most frequent items when restricted and never recommends the others', async () => {
    const degree = (i: number) => matrix.itemOffsets[i + 1]! - matrix.itemOffsets[i]!;
    const kept = [...Array(numItems).keys()].sort((a, b) => degree(b) - degree(a) || a - b).slice(0, 5).sort((a, b) => a - b);
    const model = buildEase(matrix, { lambda: 3, maxItems: 5 });
    expect(Array.from(model.keptItems)).toEqual(kept);
    expect(model.restriction.itemsKept).toBe(5);
    expect(model.restriction.interactionsCovered).toBe(kept.reduce((s, i) => s + degree(i), 0));
    const expected = naiveScores(kept, 3);
    const scores = await model.scorer(allUsers(numUsers));
    for (let u = 0; u < numUsers; u++) {
      for (let j = 0; j < numItems; j++) {
        const slot = kept.indexOf(j);
        if (slot < 0) expect(scores[u * numItems + j]).toBe(Number.NEGATIVE_INFINITY);
        else expect(scores[u * numItems + j]).toBeCloseTo(expected[u]![slot]!, 4);
      }
    }
  });
});
