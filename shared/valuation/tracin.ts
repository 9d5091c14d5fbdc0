// TracIn-CP (Pruthi et al., "Estimating Training Data Influence by Tracing Gradient
// Descent", NeurIPS 2020) over a short probe fine-tune's checkpoints, last-layer gradients:
//   influence(i, z') = Σ_c η_c ⟨∇ℓ(w_c; z_i), ∇ℓ(w_c; z')⟩
//   self-influence(i) = Σ_c η_c ‖∇ℓ(w_c; z_i)‖²
// Checkpoints are the weights each epoch starts from (w_0 = 0 included): the idealized TracIn
// sums η_t⟨∇ℓ(w_t; z), ∇ℓ(w_t; z')⟩ over pre-step parameters, and late checkpoints alone see
// a validation gradient near zero once the probe fits, which leaves mostly sampling noise.
// The probe is probe.ts's softmax layer, whose per-example gradient is (p − e_y) ⊗ [x̃; 1], so
//   ⟨∇ℓ_i, ∇ℓ_z'⟩ = ⟨p_i − e_i, p_z' − e_z'⟩ · (x̃_i·x̃_z' + 1)
// and the mean influence on the validation set is ⟨∇ℓ_i, mean_z' ∇ℓ_z'⟩: one pass per
// checkpoint, never N × M. Positive value = a proponent (training on it lowered validation
// loss); mislabeled examples come out negative, with high self-influence.
import { z } from 'zod';
import { checkValuationInput, parseConfig, type LabelledEmbeddings, type WarningSink } from './input';
import { fitStandardizer, probabilities, ProbeConfigSchema, standardize, trainSoftmaxProbe } from './probe';

export const TracInConfigSchema = z.object({
  probe: ProbeConfigSchema.default({ epochs: 30, learningRate: 0.5, l2: 1e-3 }),
  /** checkpoint the weights every this many epochs, starting from the initialization (epoch 0) */
  checkpointEvery: z.number().int().min(1).default(5),
  /**
   * what `tracin` returns as the value: 'validation' = mean influence on the validation set;
   * 'self' = −self-influence (Pruthi et al. §5.1 use self-influence to surface mislabeled
   * examples; it needs no validation labels and is far less noisy for that purpose)
   */
  value: z.enum(['validation', 'self']).default('validation'),
});
export type TracInConfig = z.input<typeof TracInConfigSchema> & { readonly onWarning?: WarningSink };

export interface TracInResult {
  /** mean influence on the validation set: the value (higher = more helpful) */
  readonly value: Float64Array;
  /** Σ_c η_c ‖∇ℓ(w_c; z_i)‖²: high for examples the probe finds hard or mislabeled */
  readonly selfInfluence: Float64Array;
  readonly checkpoints: number;
}

/** Adds (p − e_y) ⊗ [x; 1] / count for every row into `out` (numClasses × (dim+1)). */
function meanGradient(weights: Float64Array, numClasses: number, x: Float32Array, dim: number, labels: Int32Array, out: Float64Array): void {
  const rows = labels.length;
  const stride = dim + 1;
  const probs = new Float64Array(numClasses);
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    probabilities(weights, numClasses, x, dim, r, probs);
    for (let k = 0; k < numClasses; k++) {
      const residual = (probs[k]! - (labels[r] === k ? 1 : 0)) / rows;
      for (let c = 0; c < dim; c++) out[k * stride + c]! += residual * x[r * dim + c]!;
      out[k * stride + dim]! += residual;
    }
  }
}

export async function tracinInfluence(train: LabelledEmbeddings, valid: LabelledEmbeddings, config: TracInConfig = {}): Promise<TracInResult> {
  const { probe, checkpointEvery, value: valueKind } = parseConfig(TracInConfigSchema, config);
  const { numClasses, dim } = checkValuationInput(train, valid, {
    trainNeedsTwoClasses: true,
    method: 'tracin',
    readsValidation: valueKind === 'validation',
    onWarning: config.onWarning,
  });
  const standardizer = fitStandardizer(train.emb);
  const x = standardize(train.emb, standardizer);
  const xValid = standardize(valid.emb, standardizer);
  const n = train.emb.rows;
  const stride = dim + 1;
  const value = new Float64Array(n);
  const selfInfluence = new Float64Array(n);
  const validGradient = new Float64Array(numClasses * stride);
  const probs = new Float64Array(numClasses);
  let checkpoints = 0;
  // full-batch GD uses one step size, so η_c = learningRate at every checkpoint
  const eta = probe.learningRate;
  trainSoftmaxProbe(x, dim, train.labels, numClasses, probe, undefined, (epoch, weights) => {
    if (epoch % checkpointEvery !== 0) return;
    checkpoints++;
    meanGradient(weights, numClasses, xValid, dim, valid.labels, validGradient);
    for (let i = 0; i < n; i++) {
      probabilities(weights, numClasses, x, dim, i, probs);
      let norm = 1; // ‖[x̃; 1]‖²
      for (let c = 0; c < dim; c++) norm += x[i * dim + c]! * x[i * dim + c]!;
      let residualNorm = 0;
      let dot = 0;
      for (let k = 0; k < numClasses; k++) {
        const residual = probs[k]! - (train.labels[i] === k ? 1 : 0);
        residualNorm += residual * residual;
        let g = validGradient[k * stride + dim]!;
        for (let c = 0; c < dim; c++) g += validGradient[k * stride + c]! * x[i * dim + c]!;
        dot += residual * g;
      }
      value[i]! += eta * dot;
      selfInfluence[i]! += eta * residualNorm * norm;
    }
  });
  return { value, selfInfluence, checkpoints };
}

/** The valuation interface: mean influence on the validation set, or −self-influence (config.value). */
export async function tracin(train: LabelledEmbeddings, valid: LabelledEmbeddings, config: TracInConfig = {}): Promise<Float64Array> {
  const result = await tracinInfluence(train, valid, config);
  return config.value === 'self' ? result.selfInfluence.map((s) => -s) : result.value;
}
