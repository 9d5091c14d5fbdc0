// The cheap learner shared by Data-OOB, TracIn and the loss baseline: multinomial logistic
// (softmax) regression over fixed embeddings, trained by full-batch gradient descent from
// zero weights, so it is deterministic with no seed. Features are standardized with the
// training split's mean and standard deviation (part of the model: gradients and
// predictions are taken on standardized inputs), which lets one learning rate fit any
// encoder's scale.
//
// Loss per example: ℓ(W; x, y) = −log softmax(W·[x̃; 1])_y; gradient (p − e_y) ⊗ [x̃; 1].
import { z } from 'zod';
import type { Matrix } from '../data/types';

export const ProbeConfigSchema = z.object({
  epochs: z.number().int().min(1).max(10_000).default(30),
  learningRate: z.number().positive().default(0.5),
  /** L2 penalty on the weights (not the bias); keeps separable data from diverging */
  l2: z.number().min(0).default(1e-3),
});
export type ProbeConfig = z.infer<typeof ProbeConfigSchema>;

export interface Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

export function fitStandardizer(emb: Matrix): Standardizer {
  const { rows, cols, data } = emb;
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += data[r * cols + c]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const diff = data[r * cols + c]! - mean[c]!;
      scale[c]! += (diff * diff) / rows;
    }
  }
  // a constant column carries no information: scale 1 keeps it at zero instead of dividing by 0
  for (let c = 0; c < cols; c++) scale[c] = scale[c]! > 1e-24 ? Math.sqrt(scale[c]!) : 1;
  return { mean, scale };
}

export function standardize(emb: Matrix, s: Standardizer): Float32Array {
  const { rows, cols, data } = emb;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = (data[r * cols + c]! - s.mean[c]!) / s.scale[c]!;
  return out;
}

/** Softmax of W·[x; 1] for row `row` of x into `probs` (numClasses), numerically stable. */
export function probabilities(weights: Float64Array, numClasses: number, x: Float32Array, dim: number, row: number, probs: Float64Array): void {
  const stride = dim + 1;
  const o = row * dim;
  let max = -Infinity;
  for (let k = 0; k < numClasses; k++) {
    const w = k * stride;
    let z = weights[w + dim]!;
    for (let c = 0; c < dim; c++) z += weights[w + c]! * x[o + c]!;
    probs[k] = z;
    if (z > max) max = z;
  }
  let total = 0;
  for (let k = 0; k < numClasses; k++) {
    probs[k] = Math.exp(probs[k]! - max);
    total += probs[k]!;
  }
  for (let k = 0; k < numClasses; k++) probs[k]! /= total;
}

/**
 * Full-batch gradient descent on the weighted mean loss Σ_i w_i ℓ_i / Σ_i w_i (w_i = how often
 * row i is in the sample: 1 for plain training, the bootstrap multiplicity for a bag).
 * `beforeEpoch` sees the weights each epoch starts from (epoch 0 = the zero initialization):
 * TracIn's idealized sum runs over the parameters *before* each step. Returns numClasses × (dim + 1).
 */
export function trainSoftmaxProbe(
  x: Float32Array,
  dim: number,
  labels: Int32Array,
  numClasses: number,
  config: ProbeConfig,
  sampleWeights?: Float64Array,
  beforeEpoch?: (epoch: number, weights: Float64Array) => void,
): Float64Array {
  const rows = labels.length;
  const stride = dim + 1;
  const weights = new Float64Array(numClasses * stride);
  const gradient = new Float64Array(numClasses * stride);
  const probs = new Float64Array(numClasses);
  let totalWeight = 0;
  for (let i = 0; i < rows; i++) totalWeight += sampleWeights ? sampleWeights[i]! : 1;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    beforeEpoch?.(epoch, weights);
    gradient.fill(0);
    for (let i = 0; i < rows; i++) {
      const w = sampleWeights ? sampleWeights[i]! : 1;
      if (w === 0) continue;
      probabilities(weights, numClasses, x, dim, i, probs);
      const o = i * dim;
      for (let k = 0; k < numClasses; k++) {
        const residual = (w * (probs[k]! - (labels[i] === k ? 1 : 0))) / totalWeight;
        const g = k * stride;
        for (let c = 0; c < dim; c++) gradient[g + c]! += residual * x[o + c]!;
        gradient[g + dim]! += residual;
      }
    }
    for (let k = 0; k < numClasses; k++) {
      for (let c = 0; c < stride; c++) {
        const at = k * stride + c;
        const penalty = c < dim ? config.l2 * weights[at]! : 0;
        weights[at]! -= config.learningRate * (gradient[at]! + penalty);
      }
    }
  }
  return weights;
}
