// The ESCI/UBI sample (../shared/data/esci-ubi) as a search task. What text it has: no product
// catalogue ships with it, and the ESCI judgments carry ASINs only; the UBI events carry a product
// title in event_attributes.object.description for part of the items they touch, and those
// titles are the catalogue here (items without one cannot be ranked by text and are left out).
// Relevance for evaluation is what the held-out query's own logged searches did with an item
// (click 1, add-to-cart 2, purchase 3), with ESCI grades (1–3) where a judged item has a title.
// Caveat, to be printed beside any figure: the sample's UBI events were generated from the ESCI
// labels by the UBI data generator, so "clicks" here are a function of those labels, not people.

import type { RawDataset } from '../data/raw-events';
import { buildSearchTask, type JudgmentRecord, type LoggedSearchRecord, type SearchReject, type SearchTask } from './search-task';

export const ESCI_UBI_CAVEAT =
  "ESCI/UBI sample: its clicks/add-to-carts are generated from the ESCI labels (UBI data generator), not real users; it has no product catalogue — item text is the product title some UBI events carry (others are left out), and ESCI judgments name ASINs without text, so relevance comes mostly from the held-out queries' own logged events.";

export interface EsciSearchTask {
  readonly task: SearchTask;
  readonly rejects: SearchReject[];
  /** distinct items touched by events, and how many of them carry a title */
  readonly eventItems: number;
  readonly titledItems: number;
  readonly judgedItems: number;
  readonly judgedItemsWithTitle: number;
}

export function esciSearchTask(dataset: RawDataset): EsciSearchTask {
  const items = dataset.items.map(({ item }) => ({ id: item.id, text: item.title }));
  const c = dataset.events.columns();
  const queries = dataset.events.queries.values;
  const itemIds = dataset.events.items.values;
  const bySearch = new Map<number, LoggedSearchRecord & { results: { item: string; gain: number }[] }>();
  for (let r = 0; r < c.length; r++) {
    const searchId = c.searchId[r]!;
    if (searchId < 0) continue;
    const entry = bySearch.get(searchId) ?? { query: c.query[r]! >= 0 ? queries[c.query[r]!]! : '', results: [], source: `ubi_queries_events.ndjson search ${dataset.events.searchIds.values[searchId]}` };
    entry.results.push({ item: itemIds[c.item[r]!]!, gain: c.type[r]! });
    bySearch.set(searchId, entry);
  }
  const searches = [...bySearch.values()];
  const logged: JudgmentRecord[] = searches.flatMap((search) => search.results.filter((r) => r.gain > 0).map((r) => ({ query: search.query, item: r.item, gain: r.gain, source: search.source })));
  const esci: JudgmentRecord[] = dataset.judgments.map((j, i) => ({ query: j.query, item: j.item, gain: j.relevance, source: `esci_us_judgments.json rating ${i}` }));
  const { task, rejects } = buildSearchTask(items, searches, [...logged, ...esci]);
  const titled = new Set(items.map((item) => item.id));
  const judged = new Set(dataset.judgments.map((j) => j.item));
  return {
    task,
    rejects,
    eventItems: itemIds.length,
    titledItems: titled.size,
    judgedItems: judged.size,
    judgedItemsWithTitle: [...judged].filter((id) => titled.has(id)).length,
  };
}
