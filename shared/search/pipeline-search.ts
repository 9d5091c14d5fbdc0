// The infer step's search evaluation (infer.search): the dataset's logged searches become a
// search task (split-search-task.ts), BM25, the zero-shot encoder and the trained head are
// compared on held-out queries (search-comparison.ts), and NDCG@10 with its standard error goes
// into the step metrics; search.json in the step folder keeps the settings chosen and the counts.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SplitDataset } from '../data/types';
import { loadSentenceEncoder } from '../text/sentence-encoder';
import { compareSearchRankers } from './search-comparison';
import type { SearchComparisonOptions } from './search-spec';
import { SearchInputError } from './search-task';
import { searchTaskFromSplit } from './split-search-task';

export async function searchMetrics(ds: SplitDataset, options: SearchComparisonOptions, outDir: string): Promise<Record<string, number>> {
  const { task, rejects } = searchTaskFromSplit(ds);
  if (task.searchQuery.length === 0) {
    throw new SearchInputError(`infer.search: dataset '${ds.name}' has no logged search (no interaction carries a query with text and a catalogue item); drop infer.search or use a source with queries`);
  }
  const encoder = await loadSentenceEncoder();
  const run = await compareSearchRankers(task, encoder, options).finally(() => encoder.close());
  const metrics: Record<string, number> = { 'search.queries.test': run.methods[0]!.test.queries, 'search.queries.train': run.split.train.length };
  for (const method of run.methods) {
    metrics[`search.${method.name}.ndcg@10`] = method.test.mean;
    metrics[`search.${method.name}.ndcg@10.se`] = method.test.standardError;
  }
  // one test query has no standard error; a metric must be a number, so it is left out
  for (const [key, value] of Object.entries(metrics)) if (!Number.isFinite(value)) delete metrics[key];
  const rejectCounts = rejects.reduce<Record<string, number>>((acc, r) => ((acc[r.reason] = (acc[r.reason] ?? 0) + 1), acc), {});
  await writeFile(
    path.join(outDir, 'search.json'),
    JSON.stringify({ metrics, chosen: run.chosen, chosenEpoch: run.chosenEpoch, items: task.itemIds.length, queries: task.queryTexts.length, loggedSearches: task.searchQuery.length, leftOut: rejectCounts, firstLeftOut: rejects.slice(0, 20) }, null, 2),
  );
  return metrics;
}
