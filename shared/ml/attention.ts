// Multi-head scaled dot-product self-attention over one fused Q|K|V projection, as a tfjs op.
// On the WASM and CPU backends it runs the SIMD kernel of ./wasm (forward and a hand-written
// backward); on native TensorFlow, or where the kernel is not built, the same function on
// tfjs ops. Both mask [PAD] keys (and future keys when causal) and drop attention
// probabilities with a seeded mask; a query with no key to attend to outputs zeros.
import * as tf from '@tensorflow/tfjs';
import { blockDraw, dropoutFactorsTensor, type DropoutDraw } from './dropout';
import { kernelOp, matMul } from './ops';
import { blockStarts, type RowBlock } from './row-blocks';
import { kernelCall, type SharedKernelExports } from './wasm/kernel-call';
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

/** Q's, K's and V's parts of a fused projection's parameter (weights or biases), in that order. */
export type QkvParts = readonly [tf.Tensor, tf.Tensor, tf.Tensor];

/** Row blocks attended in one call (row-blocks.ts): each block's rows attend within their own sequences. */
export interface AttentionBlocks {
  readonly blocks: readonly RowBlock[];
  readonly dim: number;
  readonly heads: number;
  readonly causal: boolean;
}

/**
 * Attention of qkv + bias, qkv [batch·len × 3·dim] (Q, K, V side by side, heads side by side
 * within each; or the row blocks' rows one block after another) and bias Q's, K's and V's [dim]
 * each (or null) → [rows × dim]. `pad[r]` = 1 marks position r as [PAD]. `dropout` null = no
 * dropout; each block draws its own mask. The kernel adds the bias where it gathers Q|K|V and
 * sums its gradient there, which through tfjs took a broadcast Add and a column Sum slower than
 * the attention itself (docs/performance.md); and it takes the three biases as they are, so no
 * Concat joins them and no SplitV parts their gradient.
 */
export function selfAttention(qkv: tf.Tensor, bias: QkvParts | null, pad: Uint8Array, shape: AttentionShape | AttentionBlocks, dropout: AttentionDropout | null): tf.Tensor2D {
  const layout: AttentionBlocks = 'blocks' in shape ? shape : { blocks: [shape], dim: shape.dim, heads: shape.heads, causal: shape.causal };
  const { rows } = blockStarts(layout.blocks);
  if (qkv.shape[0] !== rows || qkv.shape[1] !== 3 * layout.dim) throw new Error(`selfAttention: qkv is [${qkv.shape.join(',')}], expected [${rows},${3 * layout.dim}]`);
  for (const part of bias ?? []) if (part.rank !== 1 || part.shape[0] !== layout.dim) throw new Error(`selfAttention: a bias part is [${part.shape.join(',')}], expected [${layout.dim}]`);
  if (pad.length !== rows) throw new Error(`selfAttention: ${pad.length} [PAD] flags for ${rows} positions`);
  if (attentionPath(layout) === 'tfjs-ops') return attentionBlocksOnOps(bias ? tf.add(qkv, tf.concat([...bias])) : qkv, pad, layout, dropout);
  return attentionOnKernels(qkv, bias, pad, layout, dropout);
}

/** attentionOnOps block by block. */
function attentionBlocksOnOps(qkv: tf.Tensor, pad: Uint8Array, { blocks, dim, heads, causal }: AttentionBlocks, dropout: AttentionDropout | null): tf.Tensor2D {
  const { starts } = blockStarts(blocks);
  const parts = blocks.map(({ batch, len }, i) => {
    const [start, rows] = [starts[i]!, batch * len];
    const part = blocks.length === 1 ? qkv : tf.slice(qkv, [start, 0], [rows, 3 * dim]);
    return attentionOnOps(part, pad.subarray(start, start + rows), { batch, len, dim, heads, causal }, blockDraw(dropout, i));
  });
  return (parts.length === 1 ? parts[0]! : tf.concat(parts)) as tf.Tensor2D;
}

/**
 * x·[wq | wk | wv], x [rows × dim], each weight [dim × dim]: the fused projection as one op over
 * the three weights, so a block neither joins them on every encode nor parts their gradient
 * (through tfjs a Concat forward and a SplitV backward, ~1 % of an ml-100k pretraining step
 * with the per-kernel overhead). The kernels join them in scratch and run the product of
 * ops.ts's matMul, whose sums these are bit for bit.
 */
export function qkvProjection(x: tf.Tensor, weights: QkvParts): tf.Tensor2D {
  const [rows, dim] = x.shape as [number, number];
  for (const w of weights) if (w.rank !== 2 || w.shape[0] !== dim || w.shape[1] !== dim) throw new Error(`qkvProjection: a weight is [${w.shape.join(',')}], expected [${dim},${dim}]`);
  if (!cpuKernels()) return matMul(x, tf.concat([...weights], 1)) as tf.Tensor2D;
  const width = 3 * dim;
  const block = dim * dim * 4;
  return kernelOp(
    [x, ...weights],
    {
      outputs: [[rows, width], { scratch: dim * width }],
      run: (k, [xAt, qAt, kAt, vAt, outAt, wAt]) => {
        k.concatColumns3(qAt!, kAt!, vAt!, wAt!, dim, dim);
        k.matMulNN(xAt!, wAt!, outAt!, rows, dim, width);
      },
    },
    {
      outputs: [[rows, dim], [dim, dim], [dim, dim], [dim, dim], { scratch: width * dim }],
      run: (k, [xAt, qAt, kAt, vAt, dyAt, dxAt, dqAt, dkAt, dvAt, sAt]) => {
        // dx = dy·[wq | wk | wv]ᵀ, the transposed weights stacked
        k.transpose(qAt!, sAt!, dim, dim);
        k.transpose(kAt!, sAt! + block, dim, dim);
        k.transpose(vAt!, sAt! + 2 * block, dim, dim);
        k.matMulNN(dyAt!, sAt!, dxAt!, rows, width, dim);
        // [dwq | dwk | dwv] = xᵀ·dy
        k.matMulTN(xAt!, dyAt!, sAt!, rows, dim, width);
        k.splitColumns3(sAt!, dqAt!, dkAt!, dvAt!, dim, dim);
      },
    },
  ) as tf.Tensor2D;
}

/** The kernel's dropout arguments: draws below the threshold drop; kept values scale by 1/(1−rate). */
function dropoutArgs(dropout: AttentionDropout | null): [number, number, number] {
  if (!dropout || dropout.rate === 0) return [0, 1, 0];
  const threshold = Math.min(4294967295, Math.round(dropout.rate * 4294967296));
  return [threshold | 0, 1 / (1 - dropout.rate), dropout.seed | 0];
}

/** The kernel's [PAD] flags of a block: one int32 per position, each row padded to a multiple of 4 (its four-lane loads stay in the row). */
function padFlags(pad: Uint8Array, { batch, len }: RowBlock, into: Int32Array): void {
  const width = flagsWidth(len);
  for (let b = 0; b < batch; b++) for (let j = 0; j < len; j++) into[b * width + j] = pad[b * len + j] as number;
}

const flagsWidth = (len: number): number => Math.ceil(len / 4) * 4;

/**
 * The SIMD kernel's attention (wasm/attention.as.ts, through kernelCall: on the WASM heap in
 * place, or copied into the kernels' memory under the CPU backend), one kernel call per row
 * block within one op. The forward pass keeps the probabilities as a tensor saved for the
 * gradient, so the backward pass does not recompute the scores.
 */
function attentionOnKernels(qkv: tf.Tensor, bias: QkvParts | null, pad: Uint8Array, s: AttentionBlocks, dropout: AttentionDropout | null): tf.Tensor2D {
  const sizes = cpuKernels()!.exports;
  const { starts, rows } = blockStarts(s.blocks);
  // where each block's rows, [PAD] flags and probabilities start, and its kernel arguments
  let flagsTotal = 0;
  let probsTotal = 0;
  let workFloats = 0;
  const plans = s.blocks.map((block, i) => {
    const plan = {
      block,
      row: starts[i]!,
      flags: flagsTotal,
      probs: probsTotal,
      args: [block.batch, block.len, s.dim, s.heads, s.causal ? 1 : 0, ...dropoutArgs(blockDraw(dropout, i))] as const,
    };
    flagsTotal += block.batch * flagsWidth(block.len);
    probsTotal += sizes.attentionProbsFloats(block.batch, block.len, s.heads);
    workFloats = Math.max(workFloats, Math.ceil(sizes.attentionWorkBytes(block.len, s.dim, s.heads) / 4));
    return plan;
  });
  const work = { scratch: workFloats };
  const joinedBias = { scratch: 3 * s.dim };
  const [qkvRow, outRow] = [3 * s.dim * 4, s.dim * 4];
  const parts = bias ? 3 : 0;
  // the kernel reads one [3·dim] bias: the three parts joined in scratch, or zeros
  const joinBias = (k: SharedKernelExports, partsAt: number[], joinedAt: number) =>
    parts ? k.concatColumns3(partsAt[0]!, partsAt[1]!, partsAt[2]!, joinedAt, 1, s.dim) : k.fillZeros(joinedAt, 3 * s.dim);
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = inputs[0] as tf.Tensor;
    const biasParts = inputs.slice(1, 1 + parts) as tf.Tensor[];
    const flagValues = new Int32Array(flagsTotal);
    for (const p of plans) padFlags(pad.subarray(p.row, p.row + p.block.batch * p.block.len), p.block, flagValues.subarray(p.flags));
    const flags = tf.tensor1d(flagValues, 'int32');
    const forward = kernelCall([x, flags, ...biasParts], [[rows, s.dim], [probsTotal], joinedBias, work])!;
    const [xAt, padAt] = forward.at as [number, number];
    const [outAt, probsAt, biasAt, workAt] = forward.at.slice(2 + parts) as [number, number, number, number];
    joinBias(forward.exports, forward.at.slice(2, 2 + parts), biasAt);
    for (const p of plans) forward.exports.attentionForward(xAt + p.row * qkvRow, biasAt, padAt + p.flags * 4, outAt + p.row * outRow, probsAt + p.probs * 4, workAt, ...p.args);
    const [out, probs] = forward.results() as [tf.Tensor, tf.Tensor];
    (inputs[inputs.length - 1] as tf.GradSaveFunc)([x, flags, probs, ...biasParts]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const partGradients = Array.from({ length: parts }, () => [s.dim]);
        const backward = kernelCall([...saved, dy], [[rows, 3 * s.dim], ...partGradients, joinedBias, { scratch: 3 * s.dim }, work])!;
        const [qAt, flagsAt, pAt] = backward.at as [number, number, number];
        const [dyAt, dqkvAt] = backward.at.slice(3 + parts) as [number, number];
        const partGradientsAt = backward.at.slice(5 + parts, 5 + 2 * parts);
        const [biasAt, dbAt, scratchAt] = backward.at.slice(5 + 2 * parts) as [number, number, number];
        joinBias(backward.exports, backward.at.slice(3, 3 + parts), biasAt);
        for (const p of plans) {
          backward.exports.attentionBackward(qAt + p.row * qkvRow, biasAt, flagsAt + p.flags * 4, pAt + p.probs * 4, dyAt + p.row * outRow, dqkvAt + p.row * qkvRow, scratchAt, ...p.args);
        }
        // the biases' gradients: the column sums of ∂qkv, parted among Q, K and V
        if (parts) {
          backward.exports.columnSums(dqkvAt, dbAt, rows, 3 * s.dim);
          backward.exports.splitColumns3(dbAt, partGradientsAt[0]!, partGradientsAt[1]!, partGradientsAt[2]!, 1, s.dim);
        }
        return backward.results();
      },
    };
  });
  return op(qkv, ...(bias ?? [])) as tf.Tensor2D;
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
