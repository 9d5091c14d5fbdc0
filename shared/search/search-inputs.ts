// What a search comparison (search-comparison.ts) and the valuation of its training clicks
// (search-valuation.ts) share: the task's texts encoded by the text model, and the query split
// its settings draw. Kept apart from the comparison so the value step reads no ranking metrics.

import { splitQueries, type QuerySplit } from './query-split';
import { searchComparisonSchema, type SearchComparisonOptions } from './search-spec';
import type { SearchTask } from './search-task';
import type { SearchEmbeddings } from './search-valuation';
import type { TextEncoding } from '../text/text-embedding-table';

export interface EncodedSearchTask extends SearchEmbeddings {
  readonly encodeSeconds: number;
}

export async function encodeSearchTask(task: SearchTask, encoder: TextEncoding): Promise<EncodedSearchTask> {
  const started = performance.now();
  const items = await encoder.encode(task.itemTexts);
  const queries = await encoder.encode(task.queryTexts);
  return { items, queries, encodeSeconds: (performance.now() - started) / 1000 };
}

/** The query split of a comparison with these settings (the value step values the same training queries). */
export function comparisonSplit(task: SearchTask, options: SearchComparisonOptions = {}): QuerySplit {
  const settings = searchComparisonSchema.parse(options);
  return splitQueries(task.queryTexts.length, settings.seed, settings.validationShare, settings.testShare);
}
