// One comparison run on a search task: BM25, the zero-shot sentence encoder (cosine, no training)
// and the ranking head trained on the training queries' logs with its settings chosen on the
// validation queries; all three then scored once on the test queries (NDCG@10, graded gains).
// Given values of the training clicks (search-valuation.ts), the head trains on the kept clicks
// instead, the keep share chosen with the other settings on the validation queries.
// Used by the search bench and by the pipeline's infer step (infer.search).

import { rowDotScorer } from '../eval/row-dot';
import { Bm25Index } from './bm25';
import { fitRankingHead, type FitResult } from './fit-ranking-head';
import { droppedClicks, withoutClicks } from './kept-clicks';
import type { QuerySplit } from './query-split';
import type { RankingHeadOptions } from './ranking-head';
import { evaluateRanking, type QueryScorer, type RankingSummary } from './ranking-eval';
import { SearchInputError, type SearchTask } from './search-task';
import { searchComparisonSchema, searchValuationSchema, type SearchComparisonOptions } from './search-spec';
import { comparisonSplit, encodeSearchTask, type EncodedSearchTask } from './search-inputs';
import { valuedClickEntries, type SearchValues } from './search-valuation';
import type { TextEncoding } from '../text/text-embedding-table';

export { searchComparisonSchema, type SearchComparisonOptions } from './search-spec';
export { comparisonSplit, encodeSearchTask, type EncodedSearchTask } from './search-inputs';

export interface MethodResult {
  readonly name: 'bm25' | 'zero-shot' | 'head';
  readonly validation: RankingSummary;
  readonly test: RankingSummary;
}

export interface SearchComparison {
  readonly split: QuerySplit;
  readonly methods: readonly MethodResult[];
  readonly chosen: RankingHeadOptions;
  readonly chosenEpoch: number;
  readonly gridSize: number;
  readonly encodeSeconds: number;
  readonly trainSeconds: number;
  readonly scorers: Readonly<Record<MethodResult['name'], QueryScorer>>;
  /** with valued clicks: the keep share chosen on validation and what it dropped */
  readonly kept?: KeptClicks;
}

export interface KeptClicks {
  readonly keep: number;
  readonly valued: number;
  /** entries of task.searches the chosen head did not train on, ascending */
  readonly dropped: Int32Array;
  /** validation NDCG@10 of the best head for each candidate keep share */
  readonly byKeep: readonly { readonly keep: number; readonly validation: number }[];
}

/**
 * `texts`: the text model, or the task's texts already encoded by it. `valued`: values of the
 * training queries' clicks (search-valuation.ts); the head then trains on the kept clicks.
 */
export async function compareSearchRankers(task: SearchTask, texts: TextEncoding | EncodedSearchTask, options: SearchComparisonOptions = {}, valued?: SearchValues): Promise<SearchComparison> {
  const settings = searchComparisonSchema.parse(options);
  const split = comparisonSplit(task, settings);
  const { items, queries, encodeSeconds } = 'encode' in texts ? await encodeSearchTask(task, texts) : texts;
  if (valued) checkValuedClicks(task, split, valued);

  const bm25 = new Bm25Index(task.itemTexts);
  const grid: RankingHeadOptions[] = [];
  for (const rank of settings.ranks)
    for (const learningRate of settings.learningRates)
      for (const itemVectors of settings.itemVectors)
        for (const impressionNegatives of settings.impressionNegatives) grid.push({ rank, learningRate, itemVectors, impressionNegatives, seed: settings.seed });
  const trainStarted = performance.now();
  const keeps = valued ? (settings.valuation ?? searchValuationSchema.parse({})).keeps : [1];
  let fit: FitResult | undefined;
  let dropped: Int32Array = new Int32Array(0);
  let chosenKeep = 1;
  const byKeep: { keep: number; validation: number }[] = [];
  for (const keep of keeps) {
    const drop = valued ? droppedClicks(valued, keep) : new Int32Array(0);
    const here = fitRankingHead(withoutClicks(task, drop), queries, items, split, grid, settings.epochs, settings.trainOnJudgments);
    byKeep.push({ keep, validation: here.validation.mean });
    if (!fit || here.validation.mean > fit.validation.mean) {
      fit = here;
      dropped = drop;
      chosenKeep = keep;
    }
  }
  const trainSeconds = (performance.now() - trainStarted) / 1000;
  const dim = queries.cols;
  const scorers: Record<MethodResult['name'], QueryScorer> = {
    bm25: (q, out) => void bm25.score(task.queryTexts[q]!, out),
    // the sentence embeddings are L2-normalised: their dot product is the cosine
    'zero-shot': rowDotScorer(queries, items),
    head: (q, out) => fit!.head.scoreAll(queries.data.subarray(q * dim, (q + 1) * dim), out),
  };
  const methods = (['bm25', 'zero-shot', 'head'] as const).map((name) => ({
    name,
    validation: evaluateRanking(task, split.validation, scorers[name]),
    test: evaluateRanking(task, split.test, scorers[name]),
  }));
  const kept = valued && { keep: chosenKeep, valued: valued.entries.length, dropped, byKeep };
  return { split, methods, chosen: fit!.options, chosenEpoch: fit!.epoch, gridSize: grid.length, encodeSeconds, trainSeconds, scorers, ...(kept && { kept }) };
}

/** Values must be of this task's training clicks: the same data and query split as the comparison. */
function checkValuedClicks(task: SearchTask, split: QuerySplit, valued: SearchValues): void {
  const expected = valuedClickEntries(task, split.train);
  const same = expected.length === valued.entries.length && expected.every((p, k) => valued.entries[k] === p);
  if (!same || valued.values.length !== valued.entries.length) {
    throw new SearchInputError(`search valuation: ${valued.entries.length} valued clicks (${valued.values.length} values) do not match the ${expected.length} clicks of this task's training searches; value the same data with the same query split (seed, validationShare, testShare)`);
  }
}

