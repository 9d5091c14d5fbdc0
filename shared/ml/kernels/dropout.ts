// Inverted dropout with masks drawn on typed arrays from the seeded generator, so that a
// resumed run replays them: each dropout site takes one draw from the step's generator as the
// seed of its own mask stream.
import * as tf from '@tensorflow/tfjs';
import { mixSeed, Random } from '../../random';
import { kernelCall } from '../wasm/kernel-call';

/** One dropout site: its rate and the seed of its mask stream. */
export interface DropoutDraw {
  readonly rate: number;
  readonly seed: number;
}

/**
 * The draw of block `b` of a site that runs on several row blocks at once (the encoder's item
 * and text batches, attention and input rows per block): block 0 keeps the site's own seed, so
 * a single block draws what it always did; the others get seeds of their own.
 */
export function blockDraw(draw: DropoutDraw | null, b: number): DropoutDraw | null {
  return draw && b > 0 ? { rate: draw.rate, seed: (draw.seed + Math.imul(b, 0x9e3779b9)) >>> 0 } : draw;
}

/** Inverted-dropout factors (0 or 1/(1−rate)) for `size` values. */
export function dropoutFactors(size: number, { rate, seed }: DropoutDraw): Float32Array {
  const draw = new Random(seed);
  const keep = 1 / (1 - rate);
  const threshold = rate * 4294967296;
  const factors = new Float32Array(size);
  for (let i = 0; i < size; i++) if (draw.nextUint32() >= threshold) factors[i] = keep;
  return factors;
}

/** Where the SIMD kernels start this draw's stream: the generator state, the drop threshold, the kept factor. */
export function dropoutStream({ rate, seed }: DropoutDraw): [state: number, threshold: number, keep: number] {
  return [mixSeed(Math.trunc(seed)), rate * 4294967296, 1 / (1 - rate)];
}

/** A site's stream for the kernels that take one, or the stream of no dropout (the kernels skip it when their dropout flag is 0). */
export function kernelStream(draw: DropoutDraw | null): [state: number, threshold: number, keep: number] {
  return draw ? dropoutStream(draw) : [0, 0, 1];
}

/** dropoutFactors as a tensor: drawn by the SIMD kernel where it runs (the same values), else by the loop above. */
export function dropoutFactorsTensor(shape: number[], draw: DropoutDraw): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const call = kernelCall([], [shape]);
  if (!call) return tf.tensor(dropoutFactors(size, draw), shape);
  call.exports.dropoutFactors(call.at[0]!, size, ...dropoutStream(draw));
  return call.results()[0]!;
}
