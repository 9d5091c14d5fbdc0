// Data-OOB (Kwon & Zou, "Data-OOB: Out-of-bag Estimate as a Simple and Efficient Data
// Value", ICML 2023): train B cheap learners on bootstrap samples; the value of example i is
// its mean out-of-bag correctness,
//   ψ_i = Σ_b 1[i ∉ bag_b] · 1[f_b(x_i) = y_i] / Σ_b 1[i ∉ bag_b].
// The learner is probe.ts's softmax regression. Data-OOB never reads the validation split;
// it is checked anyway so every method fails the same way on the same bad input.
import { z } from 'zod';
import { checkValuationInput, defaultWarningSink, parseConfig, type LabelledEmbeddings, type WarningSink } from './input';
import { fitStandardizer, probabilities, ProbeConfigSchema, standardize, trainSoftmaxProbe } from './probe';
import { Sfc32 } from '../random';

export const DataOobConfigSchema = z.object({
  bags: z.number().int().min(1).max(10_000).default(32),
  seed: z.number().int().default(0),
  probe: ProbeConfigSchema.default({ epochs: 30, learningRate: 0.5, l2: 1e-3 }),
});
export type DataOobConfig = z.input<typeof DataOobConfigSchema> & { readonly onWarning?: WarningSink };

export async function dataOob(train: LabelledEmbeddings, valid: LabelledEmbeddings, config: DataOobConfig = {}): Promise<Float64Array> {
  const { bags, seed, probe } = parseConfig(DataOobConfigSchema, config);
  const { numClasses, dim } = checkValuationInput(train, valid, { trainNeedsTwoClasses: true, method: 'data-oob', readsValidation: false, onWarning: config.onWarning });
  const n = train.emb.rows;
  const x = standardize(train.emb, fitStandardizer(train.emb));
  const rng = new Sfc32(seed);
  const correct = new Float64Array(n);
  const outOfBag = new Float64Array(n);
  const multiplicity = new Float64Array(n);
  const probs = new Float64Array(numClasses);
  for (let b = 0; b < bags; b++) {
    multiplicity.fill(0);
    for (let draw = 0; draw < n; draw++) multiplicity[rng.int(n)]! += 1;
    const weights = trainSoftmaxProbe(x, dim, train.labels, numClasses, probe, multiplicity);
    for (let i = 0; i < n; i++) {
      if (multiplicity[i] !== 0) continue;
      probabilities(weights, numClasses, x, dim, i, probs);
      let predicted = 0;
      for (let k = 1; k < numClasses; k++) if (probs[k]! > probs[predicted]!) predicted = k;
      outOfBag[i]! += 1;
      if (predicted === train.labels[i]) correct[i]! += 1;
    }
  }
  const values = new Float64Array(n);
  let neverOut = 0;
  let sum = 0;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    if (outOfBag[i] === 0) {
      neverOut++;
      continue;
    }
    values[i] = correct[i]! / outOfBag[i]!;
    sum += values[i]!;
    counted++;
  }
  if (neverOut > 0) {
    // no out-of-bag estimate exists for these; the mean value is the neutral choice
    const neutral = counted > 0 ? sum / counted : 0;
    for (let i = 0; i < n; i++) if (outOfBag[i] === 0) values[i] = neutral;
    (config.onWarning ?? defaultWarningSink)(
      `data-oob: ${neverOut} of ${n} training examples were in every one of the ${bags} bags and got the mean value ${neutral.toFixed(4)}; raise config.bags.`,
    );
  }
  return values;
}
