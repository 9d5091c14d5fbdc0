// The settings of a search ranking comparison (shared/search/search-comparison.ts), kept apart
// as plain zod so the pipeline spec can hold them without importing the rankers.
import { z } from 'zod';

const keepShare = z.number().gt(0, 'a keep share must be in (0, 1]').max(1, 'a keep share must be in (0, 1]');

/**
 * Valuation of the training queries' logged clicks (shared/search/search-valuation.ts) and the
 * kept set the head trains on: the lowest-valued clicks are dropped, as many as the keep share
 * chosen on the validation queries leaves out. Choice of method: docs/decisions/0015-search-valuation.md.
 */
export const searchValuationSchema = z.object({
  method: z.enum(['cross-fit', 'dynamics']).default('dynamics').describe("'cross-fit': heads trained on the other folds' searches score each click they never trained on (log-probability over the catalogue); 'dynamics': one head's mean log-probability of each click over its warm-up epochs"),
  folds: z.number().int().min(2).max(10).default(2).describe('cross-fit: folds of the training searches, each valued by a head trained on the others'),
  warmupEpochs: z.number().int().min(1).default(12).describe('epochs each valuation head trains'),
  rank: z.number().int().positive().default(16).describe("rank r of the valuation heads' learned correction"),
  learningRate: z.number().positive().default(0.005).describe("the valuation heads' Adam learning rate"),
  impressionNegatives: z.boolean().default(false).describe("whether the valuation heads take a search's shown-not-clicked items as negatives"),
  keeps: z.array(keepShare).min(1).default([1, 0.9, 0.8]).describe('candidate shares of the valued clicks the head trains on, highest values first; the one with the best validation NDCG@10 is kept (the first on a tie)'),
});
export type SearchValuationOptions = z.input<typeof searchValuationSchema>;
export type SearchValuationSettings = z.output<typeof searchValuationSchema>;

export const searchComparisonSchema = z.object({
  epochs: z.number().int().nonnegative().default(5).describe("training passes per grid point; the best validation epoch is kept (0 = the zero-shot encoder's ranking)"),
  ranks: z.array(z.number().int().positive()).min(1).default([16]).describe("grid: ranks r of the head's learned low-rank correction"),
  learningRates: z.array(z.number().positive()).min(1).default([0.001, 0.005]).describe("grid: the head's Adam learning rates"),
  itemVectors: z.array(z.boolean()).min(1).default([false]).describe('grid: whether the head also learns a vector per item id beside its text'),
  impressionNegatives: z.array(z.boolean()).min(1).default([false, true]).describe("grid: whether a search's shown-not-clicked items are negatives (besides items drawn from the catalogue)"),
  trainOnJudgments: z.boolean().default(false).describe("also train on the training queries' graded judgments"),
  validationShare: z.number().min(0).max(0.5).default(0.2).describe('share of distinct queries held out to choose the settings'),
  testShare: z.number().min(0.05).max(0.5).default(0.2).describe('share of distinct queries held out and scored once'),
  seed: z.number().int().default(7).describe('the seed of the query split, the initial weights and the drawn negatives'),
  valuation: searchValuationSchema.optional().describe("value the training queries' clicks in the value step and train the head on the kept ones; off when absent"),
});
export type SearchComparisonOptions = z.input<typeof searchComparisonSchema>;
