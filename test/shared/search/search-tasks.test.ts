import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFolder } from '../../../shared/data/data-folder';
import { loadEsciUbi } from '../../../shared/data/adapters/esci-ubi';
import { LimitsSchema } from '../../../shared/data/source-config';
import { generateSynthetic } from '../../../shared/data/synthetic';
import { esciSearchTask } from '../../../shared/search/esci-search';
import { evaluateRanking } from '../../../shared/search/ranking-eval';
import { buildSearchTask, judgedItems } from '../../../shared/search/search-task';
import { syntheticSearchTask } from '../../../shared/search/synthetic-search';

describe('search tasks and their evaluation', () => {
  it('scores NDCG@10 per query over the whole catalogue with graded gains, leaving out queries without a relevant item', () => {
    const { task } = buildSearchTask(
      ['A', 'B', 'C', 'D'].map((id) => ({ id, text: `item ${id}` })),
      [],
      [
        { query: 'q1', item: 'A', gain: 2, source: 'j0' },
        { query: 'q1', item: 'C', gain: 1, source: 'j1' },
        { query: 'q2', item: 'B', gain: 0, source: 'j2' },
      ],
    );
    // q1 ranked D, C, B, A: C at rank 1, A at rank 3; ideal is A then C
    const scores = [0.1, 0.2, 0.5, 0.9];
    const summary = evaluateRanking(task, Int32Array.of(0, 1), (_, out) => out.set(scores));
    const dcg = 1 / Math.log2(3) + 3 / Math.log2(5);
    const idcg = 3 / Math.log2(2) + 1 / Math.log2(3);
    expect(summary.queries).toBe(1);
    expect(summary.skipped).toBe(1);
    expect(summary.perQuery[0]).toBeCloseTo(dcg / idcg, 6);
  });

  it('grades synthetic items by the planted relevance: same category with the query noun 2, same category 1', () => {
    const data = generateSynthetic({ seed: 3, users: 40, items: 60, categories: 3, sessionsPerUser: 2, queries: 12 });
    const { task, rejects } = syntheticSearchTask(data);
    expect(rejects).toEqual([]);
    expect(task.searchQuery.length).toBeGreaterThan(0);
    task.queryTexts.forEach((query, q) => {
      const source = data.queryTexts.indexOf(query);
      const { items, gains } = judgedItems(task, q);
      expect(items.length).toBe(20); // every item of the query's category, nothing else
      items.forEach((item, t) => {
        const raw = data.items[item]!;
        expect(data.itemCategory[item]).toBe(data.queryCategory[source]);
        expect(gains[t]).toBe(` ${query} `.includes(` ${raw.categoryPath[1]} `) ? 2 : 1);
      });
    });
  });

  it('reads the ESCI/UBI sample with the titles its events carry as the only item text', async () => {
    const dataset = await loadEsciUbi(path.join(dataFolder(), 'esci-ubi'), LimitsSchema.parse({}));
    const esci = esciSearchTask(dataset);
    expect(esci.titledItems).toBe(esci.task.itemIds.length);
    expect(esci.titledItems).toBeLessThan(esci.eventItems);
    expect(esci.judgedItemsWithTitle).toBeLessThan(esci.judgedItems / 100);
    expect(esci.rejects.some((r) => r.reason === 'unknown-item')).toBe(true);
    expect(esci.task.searchQuery.length).toBeGreaterThan(0);
  });
});
