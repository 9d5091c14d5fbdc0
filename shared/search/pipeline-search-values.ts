// The value step's part of infer.search.valuation: one value per click of the training queries'
// searches (search-valuation.ts), on the search task and query split the infer step's comparison
// builds from the same dataset (pipeline-search.ts), so infer can train its head on the kept ones.

import type { SplitDataset } from '../data/types';
import { pipelineSearchTexts } from './pipeline-search-texts';
import { comparisonSplit } from './search-inputs';
import { searchComparisonSchema, type SearchComparisonOptions } from './search-spec';
import { valueSearchClicks, type SearchValues } from './search-valuation';
import { pipelineSearchTask } from './split-search-task';

export async function searchClickValues(ds: SplitDataset, options: SearchComparisonOptions): Promise<SearchValues> {
  const settings = searchComparisonSchema.parse(options);
  if (!settings.valuation) throw new Error('searchClickValues: infer.search.valuation is not set');
  const { task } = pipelineSearchTask(ds);
  const encoded = await pipelineSearchTexts(task);
  return valueSearchClicks(task, encoded, comparisonSplit(task, settings).train, settings.valuation, settings.seed);
}
