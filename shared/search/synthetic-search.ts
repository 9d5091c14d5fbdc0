// The synthetic shop as a search task. Logged searches are the generator's impressions and
// clicks (gain = event-type index: view 0, click 1, cart 2, purchase 3). Evaluation relevance is
// what the generator planted: a query is drawn from one category's words and its searches show
// only that category, so
//   gain 2: the item is in the query's category and its product noun is in the query
//   gain 1: the item is in the query's category
//   gain 0: any other item
// Clicks within a search are position-biased and do not depend on the item, so the logs teach
// category relevance only; the noun grade is there for a ranker to find from the text.

import type { SyntheticData } from '../data/synthetic';
import { EVENT_TYPES } from '../data/types';
import { searchTokens } from './bm25';
import { itemSearchText } from './item-text';
import { buildSearchTask, type JudgmentRecord, type LoggedSearchRecord, type SearchReject, type SearchTask } from './search-task';

export function syntheticSearchTask(data: SyntheticData): { task: SearchTask; rejects: SearchReject[] } {
  const items = data.items.map((item) => ({ id: item.id, text: itemSearchText(item) }));
  const e = data.events;
  const bySearch = new Map<number, { query: number; results: { item: string; gain: number }[] }>();
  for (let r = 0; r < e.length; r++) {
    const searchId = e.searchId[r]!;
    if (searchId < 0) continue;
    const entry = bySearch.get(searchId) ?? { query: e.query[r]!, results: [] };
    entry.results.push({ item: data.items[e.item[r]!]!.id, gain: e.type[r]! });
    bySearch.set(searchId, entry);
  }
  const searches: LoggedSearchRecord[] = [...bySearch].map(([searchId, entry]) => ({
    query: data.queryTexts[entry.query]!,
    results: entry.results,
    source: `synthetic search ${searchId} (${EVENT_TYPES.join('/')} → gain 0/1/2/3)`,
  }));
  return buildSearchTask(items, searches, plantedJudgments(data));
}

/** Every (query, item) pair with planted gain > 0. */
export function plantedJudgments(data: SyntheticData): JudgmentRecord[] {
  const judgments: JudgmentRecord[] = [];
  data.queryTexts.forEach((query, q) => {
    const category = data.queryCategory[q]!;
    const words = ` ${searchTokens(query).join(' ')} `;
    data.items.forEach((item, i) => {
      if (data.itemCategory[i] !== category) return;
      const noun = searchTokens(item.categoryPath[1] ?? '').join(' ');
      const gain = noun.length > 0 && words.includes(` ${noun} `) ? 2 : 1;
      judgments.push({ query, item: item.id, gain, source: `planted relevance of query ${q}` });
    });
  });
  return judgments;
}
