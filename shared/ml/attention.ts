// Multi-head scaled dot-product self-attention over one fused Q|K|V projection, as a tfjs op.
// On the WASM and CPU backends it runs the SIMD kernel of ./wasm (forward and a hand-written
// backward); on native TensorFlow, or where the kernel is not built, the same function on
// tfjs ops. Both mask [PAD] keys (and future keys when causal) and drop attention
// probabilities with a seeded mask; a query with no key to attend to outputs zeros.
import * as tf from '@tensorflow/tfjs';
import { dropoutFactorsTensor, type DropoutDraw } from './dropout';
import { matMul, typedArrayOp } from './ops';
import { cpuKernels, type WasmKernels } from './wasm/kernels';

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
 * as [PAD]. `dropout` null = no dropout. The kernel adds the bias where it reads Q|K|V and sums
 * its gradient there: through tfjs a broadcast Add and a column Sum, ~2 and ~5 ms each on
 * ml-100k's [3200 × 192], slower than the attention itself.
 */
export function selfAttention(qkv: tf.Tensor, bias: tf.Tensor | null, pad: Uint8Array, shape: AttentionShape, dropout: AttentionDropout | null): tf.Tensor2D {
  const rows = shape.batch * shape.len;
  if (qkv.shape[0] !== rows || qkv.shape[1] !== 3 * shape.dim) throw new Error(`selfAttention: qkv is [${qkv.shape.join(',')}], expected [${rows},${3 * shape.dim}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== 3 * shape.dim)) throw new Error(`selfAttention: bias is [${bias.shape.join(',')}], expected [${3 * shape.dim}]`);
  if (pad.length !== rows) throw new Error(`selfAttention: ${pad.length} [PAD] flags for ${rows} positions`);
  if (attentionPath(shape) === 'tfjs-ops') return attentionOnOps(bias ? tf.add(qkv, bias) : qkv, pad, shape, dropout);
  const kernels = cpuKernels()!;
  const noBias = new Float32Array(3 * shape.dim);
  return typedArrayOp(bias ? [qkv, bias] : [qkv], [rows, shape.dim], {
    forward: ([values, b]) => attentionForward(kernels, values!, b ?? noBias, pad, shape, dropout),
    backward: ([values, b], dy) => attentionBackward(kernels, values!, b ?? noBias, dy, pad, shape, dropout).slice(0, bias ? 2 : 1),
  }) as tf.Tensor2D;
}

/** The kernel's dropout arguments: draws below the threshold drop; kept values scale by 1/(1−rate). */
function dropoutArgs(dropout: AttentionDropout | null): [number, number, number] {
  if (!dropout || dropout.rate === 0) return [0, 1, 0];
  const threshold = Math.min(4294967295, Math.round(dropout.rate * 4294967296));
  return [threshold | 0, 1 / (1 - dropout.rate), dropout.seed | 0];
}

function attentionForward(k: WasmKernels, qkv: Float32Array, bias: Float32Array, pad: Uint8Array, s: AttentionShape, dropout: AttentionDropout | null): Float32Array {
  const rows = s.batch * s.len;
  const work = k.exports.attentionWorkBytes(s.len, s.dim, s.heads);
  const [qkvAt, biasAt, padAt, outAt, workAt] = k.place([qkv, bias, pad, rows * s.dim * 4, work]) as [number, number, number, number, number];
  k.exports.addBias(qkvAt, biasAt, rows, 3 * s.dim);
  k.exports.attentionForward(qkvAt, padAt, outAt, workAt, s.batch, s.len, s.dim, s.heads, s.causal ? 1 : 0, ...dropoutArgs(dropout));
  return k.view(outAt, rows * s.dim);
}

/** [∂qkv, ∂bias]: the bias's gradient is the column sums of ∂qkv. */
function attentionBackward(k: WasmKernels, qkv: Float32Array, bias: Float32Array, dout: Float32Array, pad: Uint8Array, s: AttentionShape, dropout: AttentionDropout | null): [Float32Array, Float32Array] {
  const rows = s.batch * s.len;
  const work = k.exports.attentionWorkBytes(s.len, s.dim, s.heads);
  const [qkvAt, biasAt, padAt, doutAt, dqkvAt, dbiasAt, workAt] = k.place([qkv, bias, pad, dout, qkv.byteLength, bias.byteLength, work]) as [number, number, number, number, number, number, number];
  k.exports.addBias(qkvAt, biasAt, rows, 3 * s.dim);
  k.exports.attentionBackward(qkvAt, padAt, doutAt, dqkvAt, workAt, s.batch, s.len, s.dim, s.heads, s.causal ? 1 : 0, ...dropoutArgs(dropout));
  k.exports.columnSums(dqkvAt, dbiasAt, rows, 3 * s.dim);
  return [k.view(dqkvAt, qkv.length), k.view(dbiasAt, bias.length)];
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
