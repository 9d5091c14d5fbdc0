// The reference forms of the kernel-backed ops: each op written with stock tfjs ops, kept apart
// from the fast path as a reference implementation is. They run where the SIMD kernels do not
// (native TensorFlow, kernels not built or switched off, shapes the kernels do not take), and
// the kernel tests hold every kernel op to its form here (bit for bit where the sums can be
// ordered alike, else within a stated tolerance).
import * as tf from '@tensorflow/tfjs';
import type { AttentionDropout, AttentionShape } from './attention';
import { dropoutFactorsTensor, type DropoutDraw } from './dropout';
import type { EmbedShape } from './embed';
import { gatherRows } from './gather-rows';
import { matMul } from './matmul';

export const LAYER_NORM_EPSILON = 1e-5;

/** Per row of x [rows × cols]: (x − μ)/√(σ² + 1e-5)·γ + β. */
export function layerNormOnOps(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma), beta) as tf.Tensor2D;
}

/** gelu(x + b), GELU's tanh approximation. */
const GELU_C = Math.sqrt(2 / Math.PI);
export function biasGeluOnOps(x: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const z = tf.add(x, bias);
  const inner = tf.mul(tf.add(z, tf.mul(tf.mul(tf.mul(z, z), z), 0.044715)), GELU_C);
  return tf.mul(tf.mul(z, 0.5), tf.add(tf.tanh(inner), 1)) as tf.Tensor2D;
}

/** x + dropout(y + b) (`draw` null: no dropout). */
export function residualAddOnOps(x: tf.Tensor, y: tf.Tensor, bias: tf.Tensor, draw: DropoutDraw | null): tf.Tensor2D {
  const z = tf.add(y, bias);
  return tf.add(x, draw ? tf.mul(z, dropoutFactorsTensor(z.shape, draw)) : z) as tf.Tensor2D;
}

/** The encoder's input rows: table[ids]·scale plus the right-aligned position rows, through dropout. */
export function embedOnOps(table: tf.Tensor, position: tf.Tensor, ids: Int32Array, { batch, len, scale }: EmbedShape, draw: DropoutDraw | null): tf.Tensor2D {
  const dim = table.shape[1] as number;
  const positions = tf.slice(position, [(position.shape[0] as number) - len, 0], [len, dim]);
  let x: tf.Tensor = tf.reshape(gatherRows(table, ids), [batch, len, dim]);
  if (scale !== 1) x = tf.mul(x, scale);
  x = tf.add(x, positions);
  if (draw) x = tf.mul(x, dropoutFactorsTensor(x.shape, draw));
  return tf.reshape(x, [batch * len, dim]) as tf.Tensor2D;
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
