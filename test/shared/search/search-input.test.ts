import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../../shared/search/bm25';
import { bm25Ranker } from '../../../shared/search/search-ranker';
import { buildSearchTask, SearchInputError } from '../../../shared/search/search-task';

const ITEMS = [
  { id: 'A', text: 'red apple' },
  { id: 'B', text: 'green apple pie' },
  { id: 'C', text: 'red red car' },
];

describe('search inputs', () => {
  it('leaves out a logged search without query text and a result naming an unknown item, says where, and keeps the rest', () => {
    const { task, rejects } = buildSearchTask(
      [...ITEMS, { id: 'D', text: '  —  ' }],
      [
        { query: '   ', results: [{ item: 'A', gain: 1 }], source: 'events.jsonl:3' },
        { query: 'apple', results: [{ item: 'B', gain: 1 }, { item: 'ZZZ', gain: 0 }, { item: 'A', gain: 0 }], source: 'events.jsonl:7' },
      ],
      [{ query: 'red', item: 'C', gain: 2, source: 'judgments.json rating 0' }, { query: 'red', item: 'Q9', gain: 1, source: 'judgments.json rating 1' }],
    );
    expect(rejects).toEqual([
      expect.objectContaining({ source: 'items[3] (D)', reason: 'empty-item-text' }),
      expect.objectContaining({ source: 'events.jsonl:3', reason: 'empty-query' }),
      expect.objectContaining({ source: 'events.jsonl:7', reason: 'unknown-item', detail: expect.stringContaining("item 'ZZZ' is not in the catalogue of 3 items") }),
      expect.objectContaining({ source: 'judgments.json rating 1', reason: 'unknown-item' }),
    ]);
    expect(task.itemIds).toEqual(['A', 'B', 'C']);
    expect(task.queryTexts).toEqual(['apple', 'red']);
    expect(Array.from(task.searches.item)).toEqual([1, 0]);
    expect(Array.from(task.searches.gain)).toEqual([1, 0]);
    expect(Array.from(task.judgments.start)).toEqual([0, 0, 1]);
  });

  it('refuses a catalogue with no item text at all', () => {
    expect(() => buildSearchTask([{ id: 'A', text: '' }], [], [])).toThrow(SearchInputError);
  });

  it('ranking a query with no text, or a candidate outside the catalogue, fails with what and where', async () => {
    const ranker = bm25Ranker(ITEMS.map((i) => i.id), new Bm25Index(ITEMS.map((i) => i.text)));
    await expect(ranker.rank(' ?! ')).rejects.toThrow(/search query " \?! " has no text/);
    await expect(ranker.rank('red', { candidates: ['C', 'nope'] })).rejects.toThrow(/candidates\[1\]: item 'nope' is not in the search catalogue \(3 items with text\)/);
    expect((await ranker.rank('red', { candidates: ['A', 'C'] })).map((r) => r.item)).toEqual(['C', 'A']);
    expect((await ranker.rank('apple pie', { top: 1 }))[0]!.item).toBe('B');
  });
});
