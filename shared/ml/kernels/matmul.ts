// Matrix products for training steps: in the SIMD kernels where they run, else tfjs's matMul,
// with a gradient that never asks WASM for a transposed-operand product.
import * as tf from '@tensorflow/tfjs';
import { kernelCall } from '../wasm/kernel-call';

/** Swaps the last two axes, outside of any gradient (none is recorded on the kernel path): in the SIMD kernels for a float matrix where they run (wasm/matmul.as.ts), else with tfjs's Transpose kernel. */
export function swapLast(x: tf.Tensor): tf.Tensor {
  const call = x.rank === 2 && x.dtype === 'float32' ? kernelCall([x], [[x.shape[1]!, x.shape[0]!]]) : null;
  if (call) {
    const [xAt, outAt] = call.at as [number, number];
    call.exports.transpose(xAt, outAt, x.shape[0]!, x.shape[1]!);
    return call.results()[0]!;
  }
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.transpose(x, perm);
}

/**
 * a·b of two rank-2 tensors: in the SIMD kernels where they run (wasm/matmul.as.ts, the same
 * sums in the same order as XNNPACK, so the same bits), on the WASM heap, faster than tfjs's
 * XNNPACK product on every shape of ml-100k's training step (docs/decisions/0006-simd-kernels.md).
 */
export function times(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (b.shape[0] !== k) throw new Error(`times: [${m}×${k}]·[${b.shape[0]}×${n}]`);
  const call = kernelCall([a, b], [[m, n]]);
  if (!call) return tf.matMul(a, b);
  const [aAt, bAt, outAt] = call.at as [number, number, number];
  call.exports.matMulNN(aAt, bAt, outAt, m, k, n);
  return call.results()[0] as tf.Tensor2D;
}

/**
 * aᵀ·b of two rank-2 tensors with the same rows. In the SIMD kernels where they run
 * (wasm/matmul.as.ts: the same sums in the same order as XNNPACK, so the same bits), sparing
 * the transposed copy of a and XNNPACK's packing and re-streaming of the tall b, which held
 * weight gradients Xᵀ·dY well below the forward products' speed (docs/performance.md).
 */
export function transposedTimes(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [rows, m] = a.shape;
  const n = b.shape[1];
  if (b.shape[0] !== rows) throw new Error(`transposedTimes: ${rows} rows against ${b.shape[0]}`);
  const call = kernelCall([a, b], [[m, n]]);
  if (!call) return tf.matMul(swapLast(a), b) as tf.Tensor2D;
  const [aAt, bAt, outAt] = call.at as [number, number, number];
  call.exports.matMulTN(aAt, bAt, outAt, rows, m, n);
  return call.results()[0] as tf.Tensor2D;
}

/**
 * a·b for rank-2 or batched (same leading dims) operands, with a gradient that never asks
 * for a transposed matMul: dA = dY·Bᵀ on an explicitly transposed copy, dB = Aᵀ·dY by
 * transposedTimes (rank 2) or on a transposed copy too; rank-2 products run in times().
 * WASM's transposed-operand matMul kernel is several times slower than a transpose followed by
 * a plain matMul (docs/performance.md). Callers that need a·bᵀ pass an
 * explicitly transposed b for the same reason.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    if (x.rank === 2 && y.rank === 2) {
      return {
        value: times(x as tf.Tensor2D, y as tf.Tensor2D),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, ys] = saved as [tf.Tensor2D, tf.Tensor2D];
          return [times(dy as tf.Tensor2D, swapLast(ys) as tf.Tensor2D), transposedTimes(xs, dy as tf.Tensor2D)];
        },
      };
    }
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved as [tf.Tensor, tf.Tensor];
        return [tf.matMul(dy, swapLast(ys)), tf.matMul(swapLast(xs), dy)];
      },
    };
  });
  return op(a, b);
}
