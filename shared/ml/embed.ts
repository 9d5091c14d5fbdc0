// The encoder's input rows: each id's table row (scaled by √dim when the config asks), plus its
// right-aligned position row, through dropout. One SIMD kernel op each way (wasm/embed.as.ts)
// where the kernels run: through tfjs a lookup, a Mul, a broadcast Add and a dropout Mul
// forward, and the Muls, a Sum over the batch and a Pad of the positions' gradient backward,
// each a sweep over the [batch·len × dim] rows. Elsewhere the same ops on tfjs, which the
// kernel op is tested against.
import * as tf from '@tensorflow/tfjs';
import { dropoutFactorsTensor, dropoutStream, type DropoutDraw } from './dropout';
import { checkRowIds, gatherRows } from './ops';
import { kernelCall } from './wasm/kernel-call';
import { cpuKernels } from './wasm/kernels';

export interface EmbedShape {
  readonly batch: number;
  readonly len: number;
  /** multiplies the looked-up rows (√dim, or 1) */
  readonly scale: number;
}

/** Rows [batch·len × dim]: (table[ids]·scale + position[maxLen − len + column])·dropout, position [maxLen × dim]. */
export function embedInputs(table: tf.Tensor, position: tf.Tensor, ids: Int32Array, shape: EmbedShape, draw: DropoutDraw | null): tf.Tensor2D {
  const [rows, dim] = table.shape as [number, number];
  const maxLen = position.shape[0] as number;
  const { batch, len, scale } = shape;
  if (ids.length !== batch * len) throw new Error(`embedInputs: ${ids.length} ids for batch×len = ${batch * len}`);
  if (len > maxLen) throw new Error(`embedInputs: length ${len} exceeds the ${maxLen} position rows`);
  if (!cpuKernels() || dim % 4 !== 0) return embedOnOps(table, position, ids, shape, draw);
  checkRowIds('embedInputs', ids, rows);
  const first = maxLen - len;
  const stream: [number, number, number] = draw ? dropoutStream(draw) : [0, 0, 1];
  const dropout = draw ? 1 : 0;
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [t, p, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const idsT = tf.tensor1d(ids, 'int32');
    const forward = kernelCall([t, idsT, p], [[ids.length, dim]])!;
    const [tAt, idsAt, pAt, outAt] = forward.at as [number, number, number, number];
    forward.exports.embedForward(tAt, idsAt, pAt, outAt, ids.length, len, dim, first, scale, dropout, ...stream);
    save([idsT]);
    return {
      value: forward.results()[0]!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const backward = kernelCall([dy, saved[0]!], [[rows, dim], [maxLen, dim]])!;
        const [dyAt, savedIdsAt, dTableAt, dPosAt] = backward.at as [number, number, number, number];
        backward.exports.embedBackward(dyAt, savedIdsAt, dTableAt, dPosAt, ids.length, len, dim, rows, maxLen, first, scale, dropout, ...stream);
        return backward.results();
      },
    };
  });
  return op(table, position) as tf.Tensor2D;
}

export function embedOnOps(table: tf.Tensor, position: tf.Tensor, ids: Int32Array, { batch, len, scale }: EmbedShape, draw: DropoutDraw | null): tf.Tensor2D {
  const dim = table.shape[1] as number;
  const positions = tf.slice(position, [(position.shape[0] as number) - len, 0], [len, dim]);
  let x: tf.Tensor = tf.reshape(gatherRows(table, ids), [batch, len, dim]);
  if (scale !== 1) x = tf.mul(x, scale);
  x = tf.add(x, positions);
  if (draw) x = tf.mul(x, dropoutFactorsTensor(x.shape, draw));
  return tf.reshape(x, [batch * len, dim]) as tf.Tensor2D;
}
