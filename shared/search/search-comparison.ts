// One comparison run on a search task: BM25, the zero-shot sentence encoder (cosine, no training)
// and the ranking head trained on the training queries' logs with its settings chosen on the
// validation queries; all three then scored once on the test queries (NDCG@10, graded gains).
// Used by the search bench and by the pipeline's infer step (infer.search).

import { rowDotScorer } from '../eval/row-dot';
import { Bm25Index } from './bm25';
import { fitRankingHead } from './fit-ranking-head';
import { splitQueries, type QuerySplit } from './query-split';
import type { RankingHeadOptions } from './ranking-head';
import { evaluateRanking, type QueryScorer, type RankingSummary } from './ranking-eval';
import type { SearchTask } from './search-task';
import { searchComparisonSchema, type SearchComparisonOptions } from './search-spec';
import type { TextEncoding } from '../text/text-embedding-table';

export { searchComparisonSchema, type SearchComparisonOptions } from './search-spec';

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
}

export async function compareSearchRankers(task: SearchTask, encoder: TextEncoding, options: SearchComparisonOptions = {}): Promise<SearchComparison> {
  const settings = searchComparisonSchema.parse(options);
  const split = splitQueries(task.queryTexts.length, settings.seed, settings.validationShare, settings.testShare);
  const encodeStarted = performance.now();
  const items = await encoder.encode(task.itemTexts);
  const queries = await encoder.encode(task.queryTexts);
  const encodeSeconds = (performance.now() - encodeStarted) / 1000;

  const bm25 = new Bm25Index(task.itemTexts);
  const grid: RankingHeadOptions[] = [];
  for (const rank of settings.ranks)
    for (const learningRate of settings.learningRates)
      for (const itemVectors of settings.itemVectors)
        for (const impressionNegatives of settings.impressionNegatives) grid.push({ rank, learningRate, itemVectors, impressionNegatives, seed: settings.seed });
  const trainStarted = performance.now();
  const fit = fitRankingHead(task, queries, items, split, grid, settings.epochs, settings.trainOnJudgments);
  const trainSeconds = (performance.now() - trainStarted) / 1000;
  const dim = queries.cols;
  const scorers: Record<MethodResult['name'], QueryScorer> = {
    bm25: (q, out) => void bm25.score(task.queryTexts[q]!, out),
    // the sentence embeddings are L2-normalised: their dot product is the cosine
    'zero-shot': rowDotScorer(queries, items),
    head: (q, out) => fit.head.scoreAll(queries.data.subarray(q * dim, (q + 1) * dim), out),
  };
  const methods = (['bm25', 'zero-shot', 'head'] as const).map((name) => ({
    name,
    validation: evaluateRanking(task, split.validation, scorers[name]),
    test: evaluateRanking(task, split.test, scorers[name]),
  }));
  return { split, methods, chosen: fit.options, chosenEpoch: fit.epoch, gridSize: grid.length, encodeSeconds, trainSeconds, scorers };
}

