// A preprocessed dataset (SplitDataset) as a search task, for the pipeline's infer step. Logged
// searches: interactions that followed a query, grouped by (session, query) — by (user, query)
// where the source has no sessions — with gain = event-type index (view 0 … purchase 3).
// Evaluation relevance for a query: what its logged searches took up (gain > 0), and the
// source's graded judgments where it has them. The split is by query, not by time: the
// held-out queries' logs are used only as their relevance.

import type { InteractionTable, SplitDataset } from '../data/types';
import { buildSearchTask, SearchInputError, type JudgmentRecord, type LoggedSearchRecord, type SearchReject, type SearchTask } from './search-task';

export function searchTaskFromSplit(ds: SplitDataset): { task: SearchTask; rejects: SearchReject[] } {
  const items = ds.itemIds.map((id, i) => ({ id, text: ds.itemText[i] ?? '' }));
  const searches = new Map<string, LoggedSearchRecord & { results: { item: string; gain: number }[] }>();
  const collect = (table: InteractionTable, part: string) => {
    for (let r = 0; r < table.length; r++) {
      const query = table.query[r]!;
      if (query < 0) continue;
      const session = table.session[r]!;
      const key = session >= 0 ? `s${session}:${query}` : `u${table.user[r]!}:${query}`;
      const entry = searches.get(key) ?? { query: ds.queries[query] ?? '', results: [], source: `${ds.name} ${part} row ${r} (query ${query})` };
      entry.results.push({ item: ds.itemIds[table.item[r]!]!, gain: table.type[r]! });
      searches.set(key, entry);
    }
  };
  collect(ds.train, 'train');
  collect(ds.valid, 'valid');
  collect(ds.test, 'test');
  const logged = [...searches.values()];
  const judgments: JudgmentRecord[] = logged.flatMap((s) => s.results.filter((r) => r.gain > 0).map((r) => ({ query: s.query, item: r.item, gain: r.gain, source: s.source })));
  const j = ds.judgments;
  if (j) for (let r = 0; r < j.length; r++) judgments.push({ query: ds.queries[j.query[r]!] ?? '', item: ds.itemIds[j.item[r]!]!, gain: j.relevance[r]!, source: `${ds.name} judgments row ${r}` });
  return buildSearchTask(items, logged, judgments);
}

/** The pipeline's search task (infer.search): refused when the dataset has no logged search. */
export function pipelineSearchTask(ds: SplitDataset): { task: SearchTask; rejects: SearchReject[] } {
  const built = searchTaskFromSplit(ds);
  if (built.task.searchQuery.length === 0) {
    throw new SearchInputError(`infer.search: dataset '${ds.name}' has no logged search (no interaction carries a query with text and a catalogue item); drop infer.search or use a source with queries`);
  }
  return built;
}
