// The settings of a search ranking comparison (shared/search/search-comparison.ts), kept apart
// as plain zod so the pipeline spec can hold them without importing the rankers.
import { z } from 'zod';

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
});
export type SearchComparisonOptions = z.input<typeof searchComparisonSchema>;
