// Baseline: the probe's own training loss as (negative) value. Examples the fitted probe
// cannot explain (high cross-entropy) are the usual suspects for label noise, so
// value_i = −ℓ(w; x_i, y_i) = log p_(y_i): higher loss, lower value.
import { z } from 'zod';
import { checkValuationInput, parseConfig, type LabelledEmbeddings, type WarningSink } from './input';
import { fitStandardizer, probabilities, ProbeConfigSchema, standardize, trainSoftmaxProbe } from './probe';

export const LossConfigSchema = z.object({
  probe: ProbeConfigSchema.default({ epochs: 30, learningRate: 0.5, l2: 1e-3 }),
});
export type LossConfig = z.input<typeof LossConfigSchema> & { readonly onWarning?: WarningSink };

export async function lossValues(train: LabelledEmbeddings, valid: LabelledEmbeddings, config: LossConfig = {}): Promise<Float64Array> {
  const { probe } = parseConfig(LossConfigSchema, config);
  const { numClasses, dim } = checkValuationInput(train, valid, { trainNeedsTwoClasses: true, method: 'loss', readsValidation: false, onWarning: config.onWarning });
  const x = standardize(train.emb, fitStandardizer(train.emb));
  const weights = trainSoftmaxProbe(x, dim, train.labels, numClasses, probe);
  const probs = new Float64Array(numClasses);
  const values = new Float64Array(train.emb.rows);
  for (let i = 0; i < values.length; i++) {
    probabilities(weights, numClasses, x, dim, i, probs);
    values[i] = Math.log(Math.max(probs[train.labels[i]!]!, 1e-300));
  }
  return values;
}
