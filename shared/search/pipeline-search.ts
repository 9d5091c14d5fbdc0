// The infer step's search evaluation (infer.search): the dataset's logged searches become a
// search task (split-search-task.ts), BM25, the zero-shot encoder and the trained head are
// compared on held-out queries (search-comparison.ts), and NDCG@10 with its standard error goes
// into the step metrics; search.json in the step folder keeps the settings chosen and the counts.
// With infer.search.valuation the value step values the training queries' clicks first
// (pipeline-search-values.ts) and the head trains on the kept ones; the metrics count the clicks
// valued and quarantined. Both steps build the same task and query split from the same dataset,
// and the comparison refuses values that do not match it.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SplitDataset } from '../data/types';
import { pairedDifference, type PairedDifference } from '../eval/paired-difference';
import { pipelineSearchTexts } from './pipeline-search-texts';
import { compareSearchRankers, type MethodResult } from './search-comparison';
import type { SearchComparisonOptions } from './search-spec';
import { SEARCH_SUMMARY_FILE } from './search-summary-file';
import { SearchInputError } from './search-task';
import type { SearchValues } from './search-valuation';
import { pipelineSearchTask } from './split-search-task';

/** `valued`: the value step's values of the training clicks, required when options.valuation is set. */
export async function searchMetrics(ds: SplitDataset, options: SearchComparisonOptions, outDir: string, valued?: SearchValues): Promise<Record<string, number>> {
  const { task, rejects } = pipelineSearchTask(ds);
  if (options.valuation && !valued) throw new SearchInputError('infer.search.valuation is set but the value step wrote no search click values; rerun the value step (e.g. --from-step value)');
  const run = await compareSearchRankers(task, await pipelineSearchTexts(task), options, options.valuation ? valued : undefined);
  const metrics: Record<string, number> = { 'search.queries.test': run.methods[0]!.test.queries, 'search.queries.train': run.split.train.length };
  if (run.kept) {
    metrics['search.clicks.valued'] = run.kept.valued;
    metrics['search.clicks.quarantined'] = run.kept.dropped.length;
    metrics['search.keep'] = run.kept.keep;
  }
  for (const method of run.methods) {
    metrics[`search.${method.name}.ndcg@10`] = method.test.mean;
    metrics[`search.${method.name}.ndcg@10.se`] = method.test.standardError;
  }
  // one test query has no standard error; a metric must be a number, so it is left out
  for (const [key, value] of Object.entries(metrics)) if (!Number.isFinite(value)) delete metrics[key];
  const rejectCounts = rejects.reduce<Record<string, number>>((acc, r) => ((acc[r.reason] = (acc[r.reason] ?? 0) + 1), acc), {});
  await writeFile(
    path.join(outDir, SEARCH_SUMMARY_FILE),
    JSON.stringify({ metrics, vsBm25: pairedVsBm25(run.methods), chosen: run.chosen, chosenEpoch: run.chosenEpoch, ...(run.kept && { keepByValidation: run.kept.byKeep }), items: task.itemIds.length, queries: task.queryTexts.length, loggedSearches: task.searchQuery.length, leftOut: rejectCounts, firstLeftOut: rejects.slice(0, 20) }, null, 2),
  );
  return metrics;
}

/**
 * Each learned ranker minus BM25 on test NDCG@10, query by query (users of pairedDifference are
 * queries here): both rank the same test queries, so the interval says whether the gain exceeds
 * the spread between queries. NaN (one query) becomes null in JSON, as the schema expects.
 */
function pairedVsBm25(methods: readonly MethodResult[]): Record<string, PairedDifference> {
  const bm25 = methods.find((m) => m.name === 'bm25');
  if (!bm25) return {};
  return Object.fromEntries(
    methods.filter((m) => m !== bm25).map((m) => [m.name, pairedDifference(m.test.queryIds, m.test.perQuery, bm25.test.queryIds, bm25.test.perQuery)]),
  );
}
