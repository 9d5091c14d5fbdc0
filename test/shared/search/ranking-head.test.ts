import { describe, expect, it } from 'vitest';
import { DIM, matrix, unit } from '../../support/planted-vectors';
import { Random } from '../../../shared/random';
import { fitRankingHead } from '../../../shared/search/fit-ranking-head';
import { splitQueries } from '../../../shared/search/query-split';
import { evaluateRanking } from '../../../shared/search/ranking-eval';
import { RankingHead } from '../../../shared/search/ranking-head';
import { trainingLists } from '../../../shared/search/training-lists';
import { buildSearchTask, type JudgmentRecord, type LoggedSearchRecord } from '../../../shared/search/search-task';

const GROUPS = 4;

/**
 * Planted relation the text alone does not show: a query of group g wants the items of group
 * (g + 1) mod 4, while query and item embeddings come from unrelated prototypes, so the
 * zero-shot cosine ranks at chance. Logged searches show 4 items of the wanted group and 4
 * others; one wanted item is clicked.
 */
function plantedTask(seed: number) {
  const rng = new Random(seed);
  const queryPrototype = Array.from({ length: GROUPS }, () => unit(rng));
  const itemPrototype = Array.from({ length: GROUPS }, () => unit(rng));
  const itemGroup = Array.from({ length: 48 }, (_, i) => i % GROUPS);
  const itemVectors = itemGroup.map((g) => unit(rng, itemPrototype[g], 0.35));
  const queryGroup = Array.from({ length: 80 }, (_, q) => q % GROUPS);
  const queryVectors = queryGroup.map((g) => unit(rng, queryPrototype[g], 0.35));
  const items = itemGroup.map((_, i) => ({ id: `I${i}`, text: `item ${i}` }));
  const queryText = (q: number) => `query ${q}`;
  const wanted = (q: number) => itemGroup.flatMap((g, i) => (g === (queryGroup[q]! + 1) % GROUPS ? [i] : []));
  const searches: LoggedSearchRecord[] = [];
  const judgments: JudgmentRecord[] = [];
  queryGroup.forEach((_, q) => {
    const good = wanted(q);
    const other = itemGroup.flatMap((g, i) => (good.includes(i) ? [] : [i]));
    for (let s = 0; s < 6; s++) {
      const shownGood = Array.from({ length: 4 }, () => good[rng.int(good.length)]!);
      const shownOther = Array.from({ length: 4 }, () => other[rng.int(other.length)]!);
      searches.push({
        query: queryText(q),
        results: [...shownGood.map((i, k) => ({ item: `I${i}`, gain: k === 0 ? 1 : 0 })), ...shownOther.map((i) => ({ item: `I${i}`, gain: 0 }))],
        source: `search ${q}.${s}`,
      });
    }
    for (const i of good) judgments.push({ query: queryText(q), item: `I${i}`, gain: 1, source: `planted ${q}` });
  });
  const { task, rejects } = buildSearchTask(items, searches, judgments);
  expect(rejects).toEqual([]);
  // queries enter the task in order 0..79, so query row q is queryVectors[q]
  expect(task.queryTexts[5]).toBe(queryText(5));
  return { task, queries: matrix(queryVectors), items: matrix(itemVectors) };
}

describe('query-aware ranking head', () => {
  it('learns a planted query → item relation from logged clicks and ranks held-out queries far better than chance and the zero-shot cosine', () => {
    const { task, queries, items } = plantedTask(11);
    const split = splitQueries(task.queryTexts.length, 3);
    const cosine = evaluateRanking(task, split.test, (q, out) => {
      for (let i = 0; i < items.rows; i++) {
        let sum = 0;
        for (let d = 0; d < DIM; d++) sum += queries.data[q * DIM + d]! * items.data[i * DIM + d]!;
        out[i] = sum;
      }
    });
    // a random order of 48 items with 12 relevant: NDCG@10 ≈ 0.25
    const fit = fitRankingHead(task, queries, items, split, [{ rank: 8, learningRate: 0.01, negatives: 8, seed: 5 }], 30);
    const test = evaluateRanking(task, split.test, (q, out) => fit.head.scoreAll(queries.data.subarray(q * DIM, (q + 1) * DIM), out));
    console.log(`planted relation, ${test.queries} held-out queries: zero-shot cosine NDCG@10 ${cosine.mean.toFixed(3)}, head ${test.mean.toFixed(3)} ± ${test.standardError.toFixed(3)} (epoch ${fit.epoch})`);
    expect(cosine.mean).toBeLessThan(0.5);
    expect(fit.epoch).toBeGreaterThan(0);
    expect(test.mean).toBeGreaterThan(0.9);
  });

  it("reports each taken-up result's log-probability among its list's candidates once per epoch, and nothing for shown-not-clicked or drawn items", () => {
    const { task, queries, items } = plantedTask(6);
    const training = trainingLists(task, Int32Array.from(task.queryTexts.keys()), false);
    const head = new RankingHead(items, { rank: 4, negatives: 4, impressionNegatives: true, seed: 2 });
    const seen = new Map<number, number[]>();
    for (let epoch = 0; epoch < 2; epoch++) head.trainEpoch(queries, training, (entry, logProb) => seen.set(entry, [...(seen.get(entry) ?? []), logProb]));
    const positives = Array.from(training.lists.gain.keys()).filter((p) => training.lists.gain[p]! > 0);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(positives);
    for (const logProbs of seen.values()) {
      expect(logProbs).toHaveLength(2);
      // among 8 shown + up to 4 drawn candidates: a probability in (0, 1)
      for (const lp of logProbs) expect(lp).toBeLessThan(0);
    }
  });

  it('starts from the zero-shot ranking: an untrained head orders items as the scaled cosine does', () => {
    const { task, queries, items } = plantedTask(2);
    const split = splitQueries(task.queryTexts.length, 3);
    const fit = fitRankingHead(task, queries, items, split, [{ rank: 4, seed: 1 }], 0);
    const out = new Float32Array(items.rows);
    fit.head.scoreAll(queries.data.subarray(0, DIM), out);
    for (let i = 0; i < items.rows; i++) {
      let sum = 0;
      for (let d = 0; d < DIM; d++) sum += queries.data[d]! * items.data[i * DIM + d]!;
      expect(out[i]).toBeCloseTo(10 * sum, 4);
    }
  });
});
