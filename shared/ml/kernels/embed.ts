// The encoder's input rows: each id's table row (scaled by √dim when the config asks), plus its
// right-aligned position row, through dropout. One SIMD kernel op each way (wasm/embed.as.ts)
// where the kernels run: through tfjs a lookup, a Mul, a broadcast Add and a dropout Mul
// forward, and the Muls, a Sum over the batch and a Pad of the positions' gradient backward,
// each a sweep over the [batch·len × dim] rows. Elsewhere the same ops on tfjs, which the
// kernel op is tested against.
import * as tf from '@tensorflow/tfjs';
import { blockDraw, kernelStream, type DropoutDraw } from './dropout';
import { checkRowIds } from './gather-rows';
import { embedOnOps } from './reference';
import { blockStarts, type RowBlock } from '../row-blocks';
import { kernelCall } from '../wasm/kernel-call';
import { cpuKernels } from '../wasm/kernels';

export interface EmbedShape {
  readonly batch: number;
  readonly len: number;
  /** multiplies the looked-up rows (√dim, or 1) */
  readonly scale: number;
}

/** Row blocks embedded at once (row-blocks.ts), each with its own positions and dropout stream. */
export interface EmbedLayout {
  readonly blocks: readonly RowBlock[];
  readonly scale: number;
}

/**
 * Rows [Σ batch·len × dim]: (table[ids]·scale + position[maxLen − len + column])·dropout per
 * block, position [maxLen × dim]; `ids` holds the blocks' ids one after another.
 */
export function embedInputs(table: tf.Tensor, position: tf.Tensor, ids: Int32Array, shape: EmbedShape | EmbedLayout, draw: DropoutDraw | null): tf.Tensor2D {
  const [rows, dim] = table.shape as [number, number];
  const maxLen = position.shape[0] as number;
  const { blocks, scale } = 'blocks' in shape ? shape : { blocks: [shape], scale: shape.scale };
  const { starts, rows: n } = blockStarts(blocks);
  if (ids.length !== n) throw new Error(`embedInputs: ${ids.length} ids for Σ batch×len = ${n}`);
  for (const { len } of blocks) if (len > maxLen) throw new Error(`embedInputs: length ${len} exceeds the ${maxLen} position rows`);
  if (!cpuKernels() || dim % 4 !== 0) {
    const parts = blocks.map((b, i) => embedOnOps(table, position, ids.subarray(starts[i]!, starts[i]! + b.batch * b.len), { ...b, scale }, blockDraw(draw, i)));
    return (parts.length === 1 ? parts[0]! : tf.concat(parts)) as tf.Tensor2D;
  }
  checkRowIds('embedInputs', ids, rows);
  // per block: its first position row, and its dropout stream
  const perBlock = blocks.map((b, i) => ({ ...b, start: starts[i]!, first: maxLen - b.len, stream: kernelStream(blockDraw(draw, i)) }));
  const dropout = draw ? 1 : 0;
  const rowBytes = dim * 4;
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [t, p, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const idsT = tf.tensor1d(ids, 'int32');
    const forward = kernelCall([t, idsT, p], [[n, dim]])!;
    const [tAt, idsAt, pAt, outAt] = forward.at as [number, number, number, number];
    for (const b of perBlock) forward.exports.embedForward(tAt, idsAt + b.start * 4, pAt, outAt + b.start * rowBytes, b.batch * b.len, b.len, dim, b.first, scale, dropout, ...b.stream);
    save([idsT]);
    return {
      value: forward.results()[0]!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const backward = kernelCall([dy, saved[0]!], [[rows, dim], [maxLen, dim]])!;
        const [dyAt, savedIdsAt, dTableAt, dPosAt] = backward.at as [number, number, number, number];
        perBlock.forEach((b, i) =>
          backward.exports.embedBackward(dyAt + b.start * rowBytes, savedIdsAt + b.start * 4, dTableAt, dPosAt, b.batch * b.len, b.len, dim, rows, maxLen, b.first, scale, i > 0 ? 1 : 0, dropout, ...b.stream),
        );
        return backward.results();
      },
    };
  });
  return op(table, position) as tf.Tensor2D;
}
