// cross-fit's settings, apart from its training code so the pipeline spec can declare them
// without loading TensorFlow.js. Defaults: docs/decisions/0001-valuation-cross-fit.md.
import { z } from 'zod';

export const CrossFitSettings = {
  /** folds, each valued by a warm-up fine-tune on the others */
  folds: z.number().int().min(2).max(10).default(2),
  /** epochs of each fold's warm-up fine-tune (the finetune settings otherwise) */
  warmupEpochs: z.number().int().min(1).default(4),
  /** the value: log p(item | context), or the share of the catalogue the item outranks */
  score: z.enum(['logProb', 'outranks']).default('logProb'),
  /**
   * score against this many catalogue items, drawn once, instead of all of them (unset: the
   * whole catalogue); for large catalogues, where the full pass costs more than the warm-ups
   * (docs/decisions/0017-sampled-target-scores.md)
   */
  scoreItems: z.number().int().min(16).optional(),
  /**
   * rounds of cross-fit: each round after the first values again with fold models that train
   * only on the `refitKeep` share the previous round valued highest, so the rows it suspects
   * stop teaching the models that value them (docs/decisions/0020-cross-fit-refit-round.md)
   */
  rounds: z.number().int().min(1).max(4).default(1),
  /** the share of rows, highest values first, that a later round's fold models train on */
  refitKeep: z.number().gt(0).lt(1).default(0.9),
  /**
   * 'both': every fold is also valued by a model of the users' reversed histories, which reads an
   * item from the items after it, and the value is the mean of the two scores; twice the warm-ups
   * (docs/decisions/0021-cross-fit-both-directions.md)
   */
  directions: z.enum(['forward', 'both']).default('forward'),
};

/** cross-fit's settings with their defaults filled in (what a spec's cross-fit valuation carries) */
export type CrossFitSettingValues = z.output<z.ZodObject<typeof CrossFitSettings>>;

export const CrossFitConfigSchema = z.object({ ...CrossFitSettings, seed: z.number().int().default(0) });
export type CrossFitConfig = z.input<typeof CrossFitConfigSchema>;
