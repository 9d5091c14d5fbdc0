// Baseline: seeded uniform random values in [0, 1). Any method worth running must beat it at
// detecting planted noise (AUC ≈ 0.5 for random).
import { z } from 'zod';
import { checkValuationInput, parseConfig, type LabelledEmbeddings, type WarningSink } from './input';
import { Sfc32 } from '../random';

export const RandomConfigSchema = z.object({ seed: z.number().int().default(0) });
export type RandomConfig = z.input<typeof RandomConfigSchema> & { readonly onWarning?: WarningSink };

export async function randomValues(train: LabelledEmbeddings, valid: LabelledEmbeddings, config: RandomConfig = {}): Promise<Float64Array> {
  const { seed } = parseConfig(RandomConfigSchema, config);
  checkValuationInput(train, valid, { trainNeedsTwoClasses: false, method: 'random', readsValidation: false, onWarning: config.onWarning });
  const rng = new Sfc32(seed);
  return Float64Array.from({ length: train.emb.rows }, () => rng.next());
}
