// The format of search.json, the infer step's record of its search evaluation
// (pipeline-search.ts writes it). Only the format lives here, so the report reads it without
// depending on the search code; fields it does not read are dropped.
import { z } from 'zod';
import { PairedDifferenceSchema } from '../eval/paired-difference';

export const SEARCH_SUMMARY_FILE = 'search.json';

export const SearchSummarySchema = z.object({
  /** the step metrics: search.<method>.ndcg@10 (+ .se), search.queries.test/train, search.clicks.* and search.keep with valuation */
  metrics: z.record(z.string(), z.number()),
  /** per learned method (zero-shot, head): its test NDCG@10 minus BM25's, paired over the test queries (`users` counts queries) */
  vsBm25: z.record(z.string(), PairedDifferenceSchema).optional(),
  /** with click valuation: validation NDCG@10 of the best head for each candidate keep share */
  keepByValidation: z.array(z.object({ keep: z.number(), validation: z.number() })).optional(),
});
export type SearchSummary = z.infer<typeof SearchSummarySchema>;
