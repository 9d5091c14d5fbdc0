// The row-wise ops of a Transformer block — layer norm, GELU over a bias-added projection,
// and the residual step x + dropout(y + b) — as tfjs ops: one SIMD kernel call each way
// (./wasm/rows.as.ts, ./wasm/dropout.as.ts) where the kernels apply, else their tfjs-ops
// forms (reference.ts, which the kernels are tested against); and the products that feed GELU and the
// residual steps, fused with them into one op each (the encoder's per-op overhead).
import * as tf from '@tensorflow/tfjs';
import { kernelStream, type DropoutDraw } from './dropout';
import { matMul } from './matmul';
import { biasGeluOnOps, LAYER_NORM_EPSILON, layerNormOnOps, residualAddOnOps } from './reference';
import { kernelOp } from '../wasm/kernel-op';
import { cpuKernels, type WasmKernels } from '../wasm/kernels';

const usesKernels = (cols: number): WasmKernels | null => (cols % 4 === 0 ? cpuKernels() : null);

/** Per row of x [rows × cols]: (x − μ)/√(σ² + 1e-5)·γ + β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const [rows, cols] = x.shape as [number, number];
  if (!usesKernels(cols)) return layerNormOnOps(x, gamma, beta);
  return kernelOp(
    [x, gamma, beta],
    { outputs: [[rows, cols]], run: (k, [xAt, gAt, bAt, yAt]) => k.layerNormForward(xAt!, gAt!, bAt!, yAt!, rows, cols, LAYER_NORM_EPSILON) },
    {
      outputs: [[rows, cols], [cols], [cols], { scratch: cols }],
      reads: [0, 1],
      run: (k, [xAt, gAt, dyAt, dxAt, dgAt, dbAt, xhatAt]) => k.layerNormBackward(xAt!, gAt!, dyAt!, dxAt!, dgAt!, dbAt!, xhatAt!, rows, cols, LAYER_NORM_EPSILON),
    },
  ) as tf.Tensor2D;
}

/**
 * gelu(x + b) over x [rows × cols], b [cols]; GELU's tanh approximation. The forward pass
 * keeps gelu′(x + b) for the backward pass instead of x: as much memory, and the backward pass
 * runs no exponential (two thirds of its time before).
 */
export function biasGelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const [rows, cols] = x.shape as [number, number];
  if (!usesKernels(cols)) return biasGeluOnOps(x, bias);
  return kernelOp(
    [x, bias],
    { outputs: [[rows, cols], [rows, cols]], run: (k, [xAt, bAt, yAt, slopeAt]) => k.biasGeluForward(xAt!, bAt!, yAt!, slopeAt!, rows, cols) },
    { outputs: [[rows, cols], [cols]], reads: [], run: (k, [slopeAt, dyAt, dxAt, dbAt]) => k.biasGeluBackward(slopeAt!, dyAt!, dxAt!, dbAt!, rows, cols) },
  ) as tf.Tensor2D;
}

/**
 * gelu(x·w + b): the FFN's first product and its activation as one op, one tfjs op fewer each
 * way per block, the pre-activation never a tensor. The kernels and their order are those of
 * matMul then biasGelu, so the values and gradients are theirs bit for bit.
 */
export function linearGelu(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const [rows, k] = x.shape as [number, number];
  const n = w.shape[1] as number;
  if (!usesKernels(n)) return biasGelu(matMul(x, w), bias);
  return kernelOp(
    [x, w, bias],
    {
      outputs: [[rows, n], [rows, n], { scratch: rows * n }],
      run: (kk, [xAt, wAt, bAt, yAt, slopeAt, zAt]) => {
        kk.matMulNN(xAt!, wAt!, zAt!, rows, k, n);
        kk.biasGeluForward(zAt!, bAt!, yAt!, slopeAt!, rows, n);
      },
    },
    {
      outputs: [[rows, k], [k, n], [n], { scratch: rows * n }, { scratch: n * k }],
      reads: [0, 1],
      run: (kk, [xAt, wAt, slopeAt, dyAt, dxAt, dwAt, dbAt, dzAt, wtAt]) => {
        kk.biasGeluBackward(slopeAt!, dyAt!, dzAt!, dbAt!, rows, n);
        kk.transpose(wAt!, wtAt!, k, n);
        kk.matMulNN(dzAt!, wtAt!, dxAt!, rows, n, k);
        kk.matMulTN(xAt!, dzAt!, dwAt!, rows, k, n);
      },
    },
  ) as tf.Tensor2D;
}

/**
 * x + dropout(y + b) for x, y [rows × cols], b [cols] (`draw` null: no dropout): a block's
 * residual step, one kernel call each way (./wasm/dropout.as.ts) with the values of the
 * tfjs-ops form bit for bit.
 */
export function residualAdd(x: tf.Tensor, y: tf.Tensor, bias: tf.Tensor, draw: DropoutDraw | null): tf.Tensor2D {
  const [rows, cols] = x.shape as [number, number];
  if (!cpuKernels()) return residualAddOnOps(x, y, bias, draw);
  const stream = kernelStream(draw);
  const dropout = draw ? 1 : 0;
  return kernelOp(
    [x, y, bias],
    { outputs: [[rows, cols]], run: (k, [xAt, yAt, bAt, outAt]) => k.residualForward(xAt!, yAt!, bAt!, outAt!, rows, cols, dropout, ...stream) },
    {
      outputs: [[rows, cols], [cols]],
      reads: [],
      run: (k, [doutAt, dyAt, dbAt]) => k.residualBackward(doutAt!, dyAt!, dbAt!, rows, cols, dropout, ...stream),
      // x's gradient is the output's own
      gradients: ([dy, db], dout) => [dout, dy!, db!],
    },
  ) as tf.Tensor2D;
}

/**
 * x + dropout(h·w + b): a block's output projection and its residual step as one op, one tfjs
 * op fewer each way, the projection never a tensor. The kernels and their order are those of
 * matMul then residualAdd, so the values and gradients are theirs bit for bit.
 */
export function residualLinear(x: tf.Tensor, h: tf.Tensor, w: tf.Tensor, bias: tf.Tensor, draw: DropoutDraw | null): tf.Tensor2D {
  const [rows, k] = h.shape as [number, number];
  const n = w.shape[1] as number;
  if (!cpuKernels()) return residualAdd(x, matMul(h, w), bias, draw);
  const stream = kernelStream(draw);
  const dropout = draw ? 1 : 0;
  return kernelOp(
    [x, h, w, bias],
    {
      outputs: [[rows, n], { scratch: rows * n }],
      run: (kk, [xAt, hAt, wAt, bAt, outAt, yAt]) => {
        kk.matMulNN(hAt!, wAt!, yAt!, rows, k, n);
        kk.residualForward(xAt!, yAt!, bAt!, outAt!, rows, n, dropout, ...stream);
      },
    },
    {
      outputs: [[rows, k], [k, n], [n], { scratch: rows * n }, { scratch: n * k }],
      reads: [1, 2],
      run: (kk, [hAt, wAt, doutAt, dhAt, dwAt, dbAt, dyAt, wtAt]) => {
        kk.residualBackward(doutAt!, dyAt!, dbAt!, rows, n, dropout, ...stream);
        kk.transpose(wAt!, wtAt!, k, n);
        kk.matMulNN(dyAt!, wtAt!, dhAt!, rows, n, k);
        kk.matMulTN(hAt!, dyAt!, dwAt!, rows, k, n);
      },
      // x's gradient is the output's own
      gradients: ([dh, dw, db], dout) => [dout, dh!, dw!, db!],
    },
  ) as tf.Tensor2D;
}
