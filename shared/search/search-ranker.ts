// Ranking a catalogue for one query text, by BM25 or by the ranking head over the sentence
// encoder: the entry point a user (or the infer step) calls. Inputs are checked here, so a query
// without text or a candidate the catalogue does not hold fails with what and where.

import type { Matrix } from '../data/types';
import type { Bm25Index } from './bm25';
import type { RankingHead } from './ranking-head';
import { hasSearchText, SearchInputError } from './search-task';

export interface RankedItem {
  readonly item: string;
  readonly score: number;
}

export class SearchRanker {
  private readonly index = new Map<string, number>();

  constructor(
    readonly itemIds: readonly string[],
    /** one score per catalogue item for a query text already checked to have text */
    private readonly scoreQuery: (query: string) => Promise<Float32Array>,
  ) {
    itemIds.forEach((id, i) => this.index.set(id, i));
  }

  /** Items by score descending (ties: catalogue order); `candidates` restricts the ranking to those ids. */
  async rank(query: string, options: { candidates?: readonly string[]; top?: number } = {}): Promise<RankedItem[]> {
    if (!hasSearchText(query)) throw new SearchInputError(`search query ${JSON.stringify(query)} has no text (no letter or digit) to rank items by`);
    const rows = options.candidates
      ? options.candidates.map((id, position) => {
          const row = this.index.get(id);
          if (row === undefined) throw new SearchInputError(`candidates[${position}]: item '${id}' is not in the search catalogue (${this.itemIds.length} items with text); rank only catalogue items or add its text to the catalogue`);
          return row;
        })
      : Array.from(this.itemIds.keys());
    const scores = await this.scoreQuery(query);
    rows.sort((a, b) => scores[b]! - scores[a]! || a - b);
    return rows.slice(0, options.top ?? rows.length).map((row) => ({ item: this.itemIds[row]!, score: scores[row]! }));
  }
}

export function bm25Ranker(itemIds: readonly string[], index: Bm25Index): SearchRanker {
  if (index.documents !== itemIds.length) throw new RangeError(`BM25 index holds ${index.documents} documents for ${itemIds.length} item ids`);
  return new SearchRanker(itemIds, (query) => Promise.resolve(index.score(query)));
}

export function headRanker(itemIds: readonly string[], encoder: { encode(texts: readonly string[]): Promise<Matrix> }, head: RankingHead): SearchRanker {
  return new SearchRanker(itemIds, async (query) => {
    const embedded = await encoder.encode([query]);
    const out = new Float32Array(itemIds.length);
    head.scoreAll(embedded.data.subarray(0, embedded.cols), out);
    return out;
  });
}
