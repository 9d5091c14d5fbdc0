// Cross-entropy of hidden states against a contiguous block of the tied embedding table
// (items, or text tokens), full or sampled, with per-example weights.
//
// Full softmax (what made SASRec strong in Klenitskiy & Vasilev, RecSys 2023):
//   ℓ_m = −log softmax(h_m · Eᵀ)[t_m]
// Sampled softmax with K uniform negatives N shared by the batch (uniform proposal, so the
// log-Q correction is a constant and dropped); a negative equal to the target is masked:
//   ℓ_m = −log( exp(h_m·e_t) / (exp(h_m·e_t) + Σ_{n∈N, n≠t} exp(h_m·e_n)) )
// Batch loss = Σ_m w_m·ℓ_m / M, so the weights of the value-weighted objective
// Σ (1 + λ·α·v̂_i)·ℓ_i scale each example's gradient and w ≡ 1 is the plain mean.
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random';
import type { LossConfig } from './config';
import { gatherRows, matMul } from './ops';

export interface ClassBlock {
  /** the [rows×dim] table the classes live in */
  readonly table: tf.Tensor;
  /** table row of class 0 */
  readonly firstRow: number;
  readonly classes: number;
}

export function softmaxLoss(
  block: ClassBlock,
  hidden: tf.Tensor,
  targets: Int32Array,
  weights: Float32Array | null,
  loss: LossConfig,
  rng: Random,
): tf.Scalar {
  const m = targets.length;
  if (hidden.shape[0] !== m) throw new Error(`softmaxLoss: ${hidden.shape[0]} hidden rows for ${m} targets`);
  if (weights && weights.length !== m) throw new Error(`softmaxLoss: ${weights.length} weights for ${m} targets`);
  const dim = block.table.shape[1] as number;
  let nll: tf.Tensor;
  if (loss.kind === 'full' || loss.negatives >= block.classes) {
    const classes = tf.slice(block.table, [block.firstRow, 0], [block.classes, dim]);
    const logp = tf.logSoftmax(matMul(hidden, tf.transpose(classes)));
    const picks = new Int32Array(m);
    for (let i = 0; i < m; i++) picks[i] = i * block.classes + (targets[i] as number);
    nll = tf.neg(tf.reshape(gatherRows(tf.reshape(logp, [m * block.classes, 1]), picks), [m]));
  } else {
    const k = loss.negatives;
    const negatives = new Int32Array(k);
    const negRows = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      negatives[j] = rng.int(block.classes);
      negRows[j] = block.firstRow + (negatives[j] as number);
    }
    const targetRows = new Int32Array(m);
    for (let i = 0; i < m; i++) targetRows[i] = block.firstRow + (targets[i] as number);
    const collision = new Float32Array(m * k);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) if (negatives[j] === targets[i]) collision[i * k + j] = -1e9;
    const positive = tf.sum(tf.mul(hidden, gatherRows(block.table, targetRows)), 1, true);
    const negative = tf.add(matMul(hidden, tf.transpose(gatherRows(block.table, negRows))), tf.tensor2d(collision, [m, k]));
    const logits = tf.concat([positive, negative], 1);
    nll = tf.sub(tf.logSumExp(logits, 1), tf.reshape(positive, [m]));
  }
  const weighted = weights ? tf.mul(nll, tf.tensor1d(weights)) : nll;
  return tf.div(tf.sum(weighted), m) as tf.Scalar;
}
