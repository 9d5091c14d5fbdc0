// Multi-head scaled dot-product self-attention over one fused Q|K|V projection, as a tfjs op.
// On the WASM and CPU backends it runs the SIMD kernel of ./wasm (forward and a hand-written
// backward); on native TensorFlow, or where the kernel is not built, the same function on
// tfjs ops. Both mask [PAD] keys (and future keys when causal) and drop attention
// probabilities with a seeded mask; a query with no key to attend to outputs zeros.
import * as tf from '@tensorflow/tfjs';
import { dropoutFactorsTensor, type DropoutDraw } from './dropout';
import { matMul } from './ops';
import { kernelCall } from './wasm/kernel-call';
import { cpuKernels } from './wasm/kernels';

export interface AttentionShape {
  readonly batch: number;
  readonly len: number;
  readonly dim: number;
  readonly heads: number;
  readonly causal: boolean;
}

/** Dropout on the attention probabilities (the kernel draws its mask from the seed itself). */
export type AttentionDropout = DropoutDraw;

/** Which implementation `selfAttention` runs under the active backend for this shape. */
export function attentionPath(shape: Pick<AttentionShape, 'dim' | 'heads'>): 'wasm-simd-kernel' | 'tfjs-ops' {
  return (shape.dim / shape.heads) % 4 === 0 && cpuKernels() ? 'wasm-simd-kernel' : 'tfjs-ops';
}

/**
 * Attention of qkv + bias, qkv [batch·len × 3·dim] (Q, K, V side by side, heads side by side
 * within each) and bias [3·dim] (or null) → [batch·len × dim]. `pad[r]` = 1 marks position r
 * as [PAD]. `dropout` null = no dropout. The kernel adds the bias where it gathers Q|K|V and
 * sums its gradient there: through tfjs a broadcast Add and a column Sum, ~2 and ~5 ms each on
 * ml-100k's [3200 × 192], slower than the attention itself.
 */
export function selfAttention(qkv: tf.Tensor, bias: tf.Tensor | null, pad: Uint8Array, shape: AttentionShape, dropout: AttentionDropout | null): tf.Tensor2D {
  const rows = shape.batch * shape.len;
  if (qkv.shape[0] !== rows || qkv.shape[1] !== 3 * shape.dim) throw new Error(`selfAttention: qkv is [${qkv.shape.join(',')}], expected [${rows},${3 * shape.dim}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== 3 * shape.dim)) throw new Error(`selfAttention: bias is [${bias.shape.join(',')}], expected [${3 * shape.dim}]`);
  if (pad.length !== rows) throw new Error(`selfAttention: ${pad.length} [PAD] flags for ${rows} positions`);
  if (attentionPath(shape) === 'tfjs-ops') return attentionOnOps(bias ? tf.add(qkv, bias) : qkv, pad, shape, dropout);
  return attentionOnKernels(qkv, bias, pad, shape, dropout);
}

/** The kernel's dropout arguments: draws below the threshold drop; kept values scale by 1/(1−rate). */
function dropoutArgs(dropout: AttentionDropout | null): [number, number, number] {
  if (!dropout || dropout.rate === 0) return [0, 1, 0];
  const threshold = Math.min(4294967295, Math.round(dropout.rate * 4294967296));
  return [threshold | 0, 1 / (1 - dropout.rate), dropout.seed | 0];
}

/** The kernel's [PAD] flags: one int32 per position, each row padded to a multiple of 4 (its four-lane loads stay in the row). */
function padFlags(pad: Uint8Array, { batch, len }: AttentionShape): tf.Tensor {
  const width = Math.ceil(len / 4) * 4;
  const flags = new Int32Array(batch * width);
  for (let b = 0; b < batch; b++) for (let j = 0; j < len; j++) flags[b * width + j] = pad[b * len + j] as number;
  return tf.tensor2d(flags, [batch, width], 'int32');
}

/**
 * The SIMD kernel's attention (wasm/attention.as.ts, through kernelCall: on the WASM heap in
 * place, or copied into the kernels' memory under the CPU backend). The forward pass keeps the
 * probabilities as a tensor saved for the gradient, so the backward pass does not recompute
 * the scores.
 */
function attentionOnKernels(qkv: tf.Tensor, bias: tf.Tensor | null, pad: Uint8Array, s: AttentionShape, dropout: AttentionDropout | null): tf.Tensor2D {
  const rows = s.batch * s.len;
  const sizes = cpuKernels()!.exports;
  const work = { scratch: Math.ceil(sizes.attentionWorkBytes(s.len, s.dim, s.heads) / 4) };
  const probsFloats = sizes.attentionProbsFloats(s.batch, s.len, s.heads);
  const args = [s.batch, s.len, s.dim, s.heads, s.causal ? 1 : 0, ...dropoutArgs(dropout)] as const;
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = inputs[0] as tf.Tensor;
    const b = bias ? (inputs[1] as tf.Tensor) : tf.zeros([3 * s.dim]);
    const flags = padFlags(pad, s);
    const forward = kernelCall([x, b, flags], [[rows, s.dim], [probsFloats], work])!;
    const [xAt, bAt, padAt, outAt, probsAt, workAt] = forward.at as [number, number, number, number, number, number];
    forward.exports.attentionForward(xAt, bAt, padAt, outAt, probsAt, workAt, ...args);
    const [out, probs] = forward.results() as [tf.Tensor, tf.Tensor];
    (inputs[inputs.length - 1] as tf.GradSaveFunc)([x, b, flags, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const backward = kernelCall([...saved, dy], [[rows, 3 * s.dim], [3 * s.dim], work])!;
        const [qAt, biasAt, flagsAt, pAt, dyAt, dqkvAt, dbAt, scratchAt] = backward.at as [number, number, number, number, number, number, number, number];
        backward.exports.attentionBackward(qAt, biasAt, flagsAt, pAt, dyAt, dqkvAt, scratchAt, ...args);
        // the bias's gradient: the column sums of ∂qkv
        backward.exports.columnSums(dqkvAt, dbAt, rows, 3 * s.dim);
        const [dqkv, db] = backward.results() as [tf.Tensor, tf.Tensor];
        if (bias) return [dqkv, db];
        db.dispose();
        return [dqkv];
      },
    };
  });
  return (bias ? op(qkv, bias) : op(qkv)) as tf.Tensor2D;
}

/** Additive mask [batch·heads, 1|len, len]: −1e9 on [PAD] keys, and on future keys when causal. */
function additiveMask(pad: Uint8Array, { batch, len, heads, causal }: AttentionShape): tf.Tensor {
  const NEG = -1e9;
  const rows = causal ? len : 1;
  const m = new Float32Array(batch * heads * rows * len);
  const block = rows * len;
  for (let b = 0; b < batch; b++) {
    const first = b * heads * block;
    for (let q = 0; q < rows; q++) {
      for (let k = 0; k < len; k++) if ((causal && k > q) || pad[b * len + k] === 1) m[first + q * len + k] = NEG;
    }
    for (let h = 1; h < heads; h++) m.copyWithin(first + h * block, first, first + block);
  }
  return tf.tensor3d(m, [batch * heads, rows, len]);
}

/** 1 where query row r of [batch·heads × len] has at least one key it may attend to, else 0. */
function attendingRows(pad: Uint8Array, { batch, len, heads, causal }: AttentionShape): tf.Tensor {
  const keep = new Float32Array(batch * heads * len);
  for (let b = 0; b < batch; b++) {
    let anyKey = false;
    for (let k = 0; k < len; k++) anyKey ||= pad[b * len + k] !== 1;
    let earlierKey = false;
    for (let q = 0; q < len; q++) {
      earlierKey ||= pad[b * len + q] !== 1;
      const attends = causal ? earlierKey : anyKey;
      for (let h = 0; h < heads; h++) keep[(b * heads + h) * len + q] = attends ? 1 : 0;
    }
  }
  return tf.tensor3d(keep, [batch * heads, len, 1]);
}

/** The same attention on tfjs ops (batched matMuls, softmax): the native-backend path and the kernel's reference. */
export function attentionOnOps(qkv: tf.Tensor, pad: Uint8Array, shape: AttentionShape, dropout: AttentionDropout | null): tf.Tensor2D {
  const { batch, len, dim, heads } = shape;
  const dh = dim / heads;
  const splitHeads = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [batch, len, heads, dh]), [0, 2, 1, 3]), [batch * heads, len, dh]);
  const [q, k, v] = tf.split(qkv, 3, 1).map(splitHeads) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const scores = tf.add(tf.mul(matMul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(dh)), additiveMask(pad, shape));
  let probs = tf.mul(tf.softmax(scores), attendingRows(pad, shape));
  if (dropout && dropout.rate > 0) probs = tf.mul(probs, dropoutFactorsTensor(probs.shape, dropout));
  const ctx = tf.reshape(tf.transpose(tf.reshape(matMul(probs, v), [batch, heads, len, dh]), [0, 2, 1, 3]), [batch * len, dim]);
  return ctx as tf.Tensor2D;
}
