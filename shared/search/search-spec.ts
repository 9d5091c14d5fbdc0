// The settings of a search ranking comparison (shared/search/search-comparison.ts), kept apart
// as plain zod so the pipeline spec can hold them without importing the rankers.
import { z } from 'zod';

export const searchComparisonSchema = z.object({
  /** training passes per grid point; the best validation epoch is kept (0 = the zero-shot start) */
  epochs: z.number().int().nonnegative().default(5),
  ranks: z.array(z.number().int().positive()).min(1).default([16]),
  learningRates: z.array(z.number().positive()).min(1).default([0.001, 0.005]),
  /** grid values of the head's switches (see ranking-head.ts) */
  itemVectors: z.array(z.boolean()).min(1).default([false]),
  impressionNegatives: z.array(z.boolean()).min(1).default([false, true]),
  /** also train on the training queries' graded judgments (real ones; never planted truth) */
  trainOnJudgments: z.boolean().default(false),
  validationShare: z.number().min(0).max(0.5).default(0.2),
  testShare: z.number().min(0.05).max(0.5).default(0.2),
  seed: z.number().int().default(7),
});
export type SearchComparisonOptions = z.input<typeof searchComparisonSchema>;
