// Cross-entropy of hidden states against a contiguous block of the tied embedding table
// (items, or text tokens), full or sampled, with per-example weights.
//
// Full softmax (what made SASRec strong in Klenitskiy & Vasilev, RecSys 2023):
//   ℓ_m = −log softmax(h_m · Eᵀ)[t_m]
// Sampled softmax with K negatives N shared by the batch, drawn by the block's sampler
// (negative-sampler.ts); a negative equal to the target is masked. Uniform draws enter as
// they are (the loss of Klenitskiy & Vasilev's sampled runs):
//   ℓ_m = −log( exp(h_m·e_t) / (exp(h_m·e_t) + Σ_{n∈N, n≠t} exp(h_m·e_n)) )
// Popularity draws are weighted by 1/(K·q_n), so that the sum estimates the full softmax's
// denominator without bias (the target's own term is exact):
//   ℓ_m = −log( exp(h_m·e_t) / (exp(h_m·e_t) + Σ_{n∈N, n≠t} exp(h_m·e_n − log K·q_n)) )
// Batch loss = Σ_m w_m·ℓ_m / M, so the weights of the value-weighted objective
// Σ (1 + λ·α·v̂_i)·ℓ_i scale each example's gradient and w ≡ 1 is the plain mean.
// Truncated loss (T-CE, Wang et al., WSDM 2021): with `dropLargest` = ε the ⌊ε·M⌋ targets of
// the batch with the largest ℓ get weight 0 in the loss and its gradient — under noisy implicit
// feedback the hardest positives are the likeliest to be noise. `observe` receives every ℓ_m
// (unweighted) as the forward pass computes them: training dynamics at no extra cost.
// `observeStandings` receives each target's margin over the best other class (Pleiss et al.,
// NeurIPS 2020: the area under it flags mislabelled examples) and its rank, from the same
// probabilities (a sampled loss: among the target and its sampled negatives):
//   margin_m = log p[t_m] − log max_{c≠t_m} p[c],   rank_m = #{c ≠ t_m : p[c] > p[t_m]}
// — one more sweep over the block's probabilities, so only when asked.
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../random';
import { uniformSampler, type NegativeSampler } from '../negative-sampler';
import { gatherRows } from './gather-rows';
import { matMul, swapLast, times } from './matmul';
import { kernelCall } from '../wasm/kernel-call';
import { cpuKernels, tensorFromKernel, tensorValues } from '../wasm/kernels';

export interface ClassBlock {
  /** the [rows×dim] table the classes live in */
  readonly table: tf.Tensor;
  /** table row of class 0 */
  readonly firstRow: number;
  readonly classes: number;
  /** where sampled negatives come from; uniform when absent */
  readonly sampler?: NegativeSampler;
}

/** Per-batch options of the loss: the truncated share, and a reader of each target's loss. */
export interface LossOptions {
  readonly dropLargest?: number;
  readonly observe?: (nll: Float64Array) => void;
  readonly observeStandings?: (standings: TargetStandings) => void;
}

/** Where each target of a batch stands among the classes: its margin over the best other, and how many outrank it. */
export interface TargetStandings {
  readonly margin: Float64Array;
  readonly rank: Int32Array;
}

/** What softmaxLoss reads of a loss config (the sampler choice travels in ClassBlock.sampler). */
export interface LossShape {
  readonly kind: 'full' | 'sampled';
  readonly negatives?: number;
}

export function softmaxLoss(
  block: ClassBlock,
  hidden: tf.Tensor,
  targets: Int32Array,
  weights: Float32Array | null,
  loss: LossShape,
  rng: Random,
  options: LossOptions = {},
): tf.Scalar {
  const m = targets.length;
  if (hidden.shape[0] !== m) throw new Error(`softmaxLoss: ${hidden.shape[0]} hidden rows for ${m} targets`);
  if (weights && weights.length !== m) throw new Error(`softmaxLoss: ${weights.length} weights for ${m} targets`);
  const dim = block.table.shape[1] as number;
  if (loss.kind === 'full' || loss.negatives === undefined || loss.negatives >= block.classes) {
    return classCrossEntropy(hidden as tf.Tensor2D, block, targets, weights, options);
  }
  const k = loss.negatives;
  const sampler = block.sampler ?? uniformSampler(block.classes);
  if (sampler.classes !== block.classes) throw new Error(`softmaxLoss: the sampler draws from ${sampler.classes} classes but the block has ${block.classes}`);
  const negatives = sampler.draw(k, rng);
  const negRows = new Int32Array(k);
  for (let j = 0; j < k; j++) negRows[j] = block.firstRow + (negatives[j] as number);
  // targets' rows then the negatives' rows, in one lookup: one table-sized gradient, not two
  const rows = new Int32Array(m + k);
  for (let i = 0; i < m; i++) rows[i] = block.firstRow + (targets[i] as number);
  rows.set(negRows, m);
  const looked = gatherRows(block.table, rows);
  // added to the negatives' logits: −log K·q_n, and −1e9 where a negative is the row's target
  const offsets = new Float32Array(m * k);
  const negativeCorrection = new Float32Array(k);
  if (sampler.corrected) for (let j = 0; j < k; j++) negativeCorrection[j] = -sampler.logExpectedCount(negatives[j] as number, k);
  for (let i = 0; i < m; i++) {
    offsets.set(negativeCorrection, i * k);
    for (let j = 0; j < k; j++) if (negatives[j] === targets[i]) offsets[i * k + j] = -1e9;
  }
  const positive = tf.sum(tf.mul(hidden, tf.slice(looked, [0, 0], [m, dim])), 1, true);
  const negative = tf.add(matMul(hidden, tf.transpose(tf.slice(looked, [m, 0], [k, dim]))), tf.tensor2d(offsets, [m, k]));
  // column 0 holds each row's target
  return crossEntropy(tf.concat([positive, negative], 1) as tf.Tensor2D, new Int32Array(m), weights, options);
}

/** Below this probability the loss of a row is recomputed from its logits (−log would lose digits or overflow). */
const TINY_PROBABILITY = 1e-30;

/**
 * Σ_m w_m·(−log softmax(logits_m)[t_m]) / M with a hand-written gradient (softmax − onehot)·w_m/M.
 * The stock logSoftmax composes Max/Sub/Exp/Sum/Log kernels and its gradient runs one more
 * Exp over the whole [M×C] block (Exp alone took ~40 % of an ml-100k fine-tuning step);
 * here the backend's native Softmax kernel runs once, and the gradient is one typed-array
 * sweep over the probabilities it produced.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array, weights: Float32Array | null, options: LossOptions = {}): tf.Scalar {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
    const { probs, loss, used } = softmaxAndLoss(x, targets, weights, options);
    save([probs]);
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tensorFromKernel(logitsGradient(saved[0] as tf.Tensor2D, targets, used, dy.dataSync()[0] as number), x.shape),
    };
  });
  return op(logits) as tf.Scalar;
}

/**
 * crossEntropy(hidden·classesᵀ) as one op, the classes being the block's rows of its table; the
 * table's gradient is table-sized, zero outside the block. Where the SIMD kernels run, the
 * class rows are read where the table lies (no Slice, and no PadV2 of their gradient to the
 * table's size), and the logits' gradient G and both
 * products of the backward pass, G·classes and Gᵀ·hidden, are computed in the kernels' memory
 * (classGradients): G, [M × C], never becomes a tensor. Elsewhere the classes' gradient is
 * Gᵀ·hidden on a transposed copy of G made on the typed array: the stock route, hiddenᵀ·G,
 * hands XNNPACK the fresh [M × C] gradient as its right operand, which it packs on every call
 * (about three times the product with the narrow [M × dim] right operand; docs/performance.md).
 */
export function classCrossEntropy(hidden: tf.Tensor2D, block: ClassBlock, targets: Int32Array, weights: Float32Array | null, options: LossOptions = {}): tf.Scalar {
  const m = hidden.shape[0];
  const { firstRow, classes: c } = block;
  const [rows, dim] = block.table.shape as [number, number];
  if (firstRow < 0 || firstRow + c > rows) throw new Error(`classCrossEntropy: classes [${firstRow}, ${firstRow + c}) fall outside the table's ${rows} rows`);
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [h, table, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const logits = classLogits(h, table, firstRow, c);
    const { probs, loss, used } = softmaxAndLoss(logits, targets, weights, options);
    logits.dispose();
    save([h, table, probs]);
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, ts, ps] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const upstream = dy.dataSync()[0] as number;
        const inKernels = classGradients(ps, hs, ts, firstRow, targets, rowCoefficients(m, used, upstream));
        if (inKernels) return inKernels;
        const g = logitsGradient(ps, targets, used, upstream);
        const classes = tf.slice(ts, [firstRow, 0], [c, dim]);
        const dClasses = tf.matMul(tf.tensor2d(transposed(g, m, c), [c, m]), hs);
        return [tf.matMul(tf.tensor2d(g, [m, c]), classes), tf.pad(dClasses, [[firstRow, rows - firstRow - c], [0, 0]])];
      },
    };
  });
  return op(hidden, block.table) as tf.Scalar;
}

/** hidden·classesᵀ for the `c` table rows from `firstRow`: transposed and multiplied in one kernel call, or by tfjs ops. */
function classLogits(hidden: tf.Tensor2D, table: tf.Tensor2D, firstRow: number, c: number): tf.Tensor2D {
  const [m, dim] = hidden.shape;
  const call = kernelCall([hidden, table], [[m, c], { scratch: dim * c }]);
  if (!call) return times(hidden, swapLast(tf.slice(table, [firstRow, 0], [c, dim])) as tf.Tensor2D);
  const [hAt, tAt, logitsAt, classesTAt] = call.at as [number, number, number, number];
  call.exports.transpose(tAt + firstRow * dim * 4, classesTAt, c, dim);
  call.exports.matMulNN(hAt, classesTAt, logitsAt, m, dim, c);
  return call.results()[0] as tf.Tensor2D;
}

/**
 * The softmax of a logits block, from the backend's one native Softmax kernel, and the loss
 * Σ_m w_m·ℓ_m / M read off it in place; the probabilities stay a tensor for the gradient
 * (saved by the op), so they are never copied out whole. `used` are the weights the loss was
 * computed with — `weights`, or a copy with the `dropLargest` share of the largest ℓ zeroed —
 * and the gradient must use the same.
 */
function softmaxAndLoss(x: tf.Tensor2D, targets: Int32Array, weights: Float32Array | null, { dropLargest = 0, observe, observeStandings }: LossOptions): { probs: tf.Tensor2D; loss: number; used: Float32Array | null } {
  const [m, classes] = x.shape;
  const probs = tf.softmax(x);
  const values = tensorValues(probs);
  let rowLogits: Float32Array | null = null;
  const nll = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const t = targets[i] as number;
    const p = values[i * classes + t] as number;
    if (p > TINY_PROBABILITY) nll[i] = -Math.log(p);
    else {
      // a read-back only: no tfjs op runs, so `values` stays valid
      rowLogits ??= x.dataSync() as Float32Array;
      nll[i] = logSumExp(rowLogits, i * classes, classes) - (rowLogits[i * classes + t] as number);
    }
  }
  observe?.(nll);
  if (observeStandings) observeStandings(targetStandings(values, classes, targets, nll));
  const used = dropLargest > 0 ? withoutLargest(nll, weights, dropLargest) : weights;
  let total = 0;
  for (let i = 0; i < m; i++) total += (used ? (used[i] as number) : 1) * (nll[i] as number);
  return { probs, loss: total / m, used };
}

/** Each row's margin log p[t] − log max_{c≠t} p[c] (log p[t] being −nll) and rank of p[t], in a [m × classes] probability block. */
export function targetStandings(probs: ArrayLike<number>, classes: number, targets: Int32Array, nll: Float64Array): TargetStandings {
  const margin = new Float64Array(targets.length);
  const rank = new Int32Array(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    const row = i * classes;
    const pt = probs[row + t] as number;
    let best = 0;
    let above = 0;
    for (let c = 0; c < classes; c++) {
      if (c === t) continue;
      const p = probs[row + c] as number;
      if (p > best) best = p;
      if (p > pt) above++;
    }
    // float32 probabilities underflow to 0 far from the target: the margin is then only bounded
    margin[i] = -(nll[i] as number) - Math.log(Math.max(best, TINY_PROBABILITY));
    rank[i] = above;
  }
  return { margin, rank };
}

/** `weights` (all 1 when null) with the ⌊share·M⌋ rows of largest loss set to 0; ties go to the later row. */
export function withoutLargest(nll: Float64Array, weights: Float32Array | null, share: number): Float32Array {
  const m = nll.length;
  const used = weights ? weights.slice() : new Float32Array(m).fill(1);
  const drop = Math.floor(share * m);
  if (drop === 0) return used;
  const order = Int32Array.from({ length: m }, (_, i) => i).sort((a, b) => (nll[b] as number) - (nll[a] as number) || b - a);
  for (let k = 0; k < drop; k++) used[order[k] as number] = 0;
  return used;
}

/**
 * ∂(upstream·loss)/∂logits = (P − onehot(t))·w_m·upstream/M, [M × C] row-major: one SIMD
 * kernel pass, or a typed-array sweep where the kernels do not run. The kernel's result is a
 * view into its memory, valid until its next call.
 */
function logitsGradient(probs: tf.Tensor2D, targets: Int32Array, weights: Float32Array | null, upstream: number): Float32Array {
  const [m, classes] = probs.shape;
  const coefs = rowCoefficients(m, weights, upstream);
  const values = tensorValues(probs);
  const k = cpuKernels();
  if (k) {
    const [pAt, tAt, cAt] = k.place([values, targets, coefs]) as [number, number, number];
    k.exports.softmaxGradient(pAt, tAt, cAt, m, classes);
    return k.view(pAt, values.length);
  }
  // a copy: `values` may be the backend's own array
  const grad = values.slice();
  for (let i = 0; i < m; i++) {
    const coef = coefs[i] as number;
    const row = i * classes;
    for (let c = 0; c < classes; c++) grad[row + c] = (grad[row + c] as number) * coef;
    grad[row + (targets[i] as number)] = (grad[row + (targets[i] as number)] as number) - coef;
  }
  return grad;
}

/** Each row's factor of the logits' gradient, w_m·upstream/M. */
function rowCoefficients(m: number, weights: Float32Array | null, upstream: number): Float32Array {
  const coefs = new Float32Array(m);
  for (let i = 0; i < m; i++) coefs[i] = (upstream / m) * (weights ? (weights[i] as number) : 1);
  return coefs;
}

/**
 * [G·classes, the table's gradient] for G = (P − onehot(t))·coef_row and the classes the table's
 * rows from `firstRow`, in the SIMD kernels (null where they do not run): the gradient pass
 * (softmax.as.ts) overwrites the probabilities where they lie (on the WASM heap, their saved
 * tensor, which serves only this gradient), and two products that sum in XNNPACK's order
 * (matmul.as.ts) read G there, so the results are the tfjs route's bit for bit without a copy
 * of G (43 MB a step for ml-100k) or a transposed one. The block's gradient, Gᵀ·hidden, lands
 * in its rows of a table-sized tensor whose other rows are zeroed.
 */
function classGradients(probs: tf.Tensor2D, hidden: tf.Tensor2D, table: tf.Tensor2D, firstRow: number, targets: Int32Array, coefs: Float32Array): tf.Tensor[] | null {
  const [m, c] = probs.shape;
  const [rows, dim] = table.shape;
  const targetsT = tf.tensor1d(targets, 'int32');
  const coefsT = tf.tensor1d(coefs);
  const call = kernelCall([probs, targetsT, coefsT, hidden, table], [[m, dim], [rows, dim], { scratch: dim * c }]);
  if (!call) {
    tf.dispose([targetsT, coefsT]);
    return null;
  }
  const [g, tAt, cAt, hAt, tableAt, dHiddenAt, dTableAt, dClassesTAt] = call.at as [number, number, number, number, number, number, number, number];
  call.exports.softmaxGradient(g, tAt, cAt, m, c);
  // freed only now: on the heap the kernel read them where they lay
  tf.dispose([targetsT, coefsT]);
  const rowBytes = dim * 4;
  call.exports.matMulNN(g, tableAt + firstRow * rowBytes, dHiddenAt, m, c, dim);
  // (hiddenᵀ·G)ᵀ rather than Gᵀ·hidden: the same sums, but reading G's rows along their length
  // instead of four columns at a stride of C floats, which runs faster (docs/performance.md)
  call.exports.matMulTN(hAt, g, dClassesTAt, m, dim, c);
  call.exports.fillZeros(dTableAt, firstRow * dim);
  call.exports.transpose(dClassesTAt, dTableAt + firstRow * rowBytes, dim, c);
  call.exports.fillZeros(dTableAt + (firstRow + c) * rowBytes, (rows - firstRow - c) * dim);
  return call.results();
}

/** [rows × cols] → [cols × rows], in 32 × 32 tiles so that reads and writes both stay in cache. */
function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  const TILE = 32;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const row = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = values[row + c] as number;
      }
    }
  }
  return out;
}

function logSumExp(values: Float32Array, from: number, count: number): number {
  let max = -Infinity;
  for (let c = 0; c < count; c++) max = Math.max(max, values[from + c] as number);
  let sum = 0;
  for (let c = 0; c < count; c++) sum += Math.exp((values[from + c] as number) - max);
  return max + Math.log(sum);
}
