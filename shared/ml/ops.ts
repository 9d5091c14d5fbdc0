// Differentiable ops whose stock forms or gradients are missing or slow on the WASM backend,
// and the products and transposes their gradients use.
import * as tf from '@tensorflow/tfjs';
import { kernelCall, type OutputRegion, type SharedKernelExports } from './wasm/kernel-call';
import { heapKernels, type HeapKernels } from './wasm/heap-kernels';
import { tensorValues } from './wasm/kernels';

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

/**
 * A variable's values, copied out of the backend once per version: a training step looks
 * rows up in the same embedding table several times (inputs, targets, negatives), and
 * Amazon Beauty's table is 14 MB. Keyed weakly on the backend buffer handle, which a
 * variable swaps on every assign, so a stale copy is never served and none outlives it.
 */
const variableCopies = new WeakMap<object, Float32Array>();

/** The backend buffer handle a variable holds now; every assign swaps it. */
export function versionOf(variable: tf.Variable): object {
  return (variable as unknown as { dataId: object }).dataId;
}

/**
 * Records `values` as the current version's copy (the optimizer's array it just assigned),
 * sparing the next lookup a read-back. The caller may change `values` only on its way to
 * assigning the variable its next version.
 */
export function rememberVariableValues(variable: tf.Variable, values: Float32Array): void {
  variableCopies.set(versionOf(variable), values);
}

function tableValues(table: tf.Variable): Float32Array {
  const handle = versionOf(table);
  let values = variableCopies.get(handle);
  if (!values) {
    values = table.dataSync() as Float32Array;
    variableCopies.set(handle, values);
  }
  return values;
}

/**
 * Where an array bound for a new tensor may be reused: the WASM backend copies it into its heap
 * when the tensor is made, so one buffer serves every call; the CPU and native backends keep
 * the array itself, so they get a fresh one. `zeroed` buffers are handed out all zeros and must
 * be handed back that way (gatherRows re-zeroes only the rows it wrote): Amazon Beauty's item
 * table gradient is 14 MB, twice a step, and fresh allocations of that size cost their page
 * faults and a garbage collection each.
 */
const reusable = { plain: new Float32Array(0), zeroed: new Float32Array(0) };
function tensorBuffer(length: number, kind: keyof typeof reusable): Float32Array {
  if (tf.getBackend() !== 'wasm') return new Float32Array(length);
  if (reusable[kind].length < length) reusable[kind] = new Float32Array(length);
  return reusable[kind].subarray(0, length);
}

/** Throws, naming the first id outside [0, rows), for the ops that look rows up by id. */
export function checkRowIds(op: string, ids: Int32Array, rows: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id < 0 || id >= rows) throw new Error(`${op}: ids[${i}]=${id} is outside the table's ${rows} rows`);
  }
}

/**
 * Rows `ids` of a [rows×cols] matrix (an embedding lookup, or picking positions out of
 * hidden states), shaped [ids.length×cols]. The gradient scatter-adds each upstream row
 * into its source row (in the heap kernels under the WASM backend, else on typed arrays),
 * touching only the looked-up rows: the stock Gather gradient needs UnsortedSegmentSum, which
 * the WASM backend lacks, and a one-hot product would cost ids.length × rows × cols (57k-item
 * catalogues make that prohibitive).
 * Accumulation runs in index order, so the result is deterministic.
 */
export function gatherRows(table: tf.Tensor, ids: Int32Array): tf.Tensor {
  if (table.rank !== 2) throw new Error(`gatherRows: table must be rank 2, got shape [${table.shape.join(',')}]`);
  const [rows, cols] = table.shape as [number, number];
  checkRowIds('gatherRows', ids, rows);
  const heap = heapKernels();
  if (heap) return gatherRowsOnHeap(heap, table, ids, rows, cols);
  // copied on typed arrays: a copy of the whole table out of the backend and the row copies
  // cost less than WASM's GatherV2, even for a 57k-row table (docs/performance.md)
  const variableValues = table instanceof tf.Variable ? tableValues(table) : null;
  const op = tf.customGrad(() => {
    // any other tensor is read in place, before the next tfjs op (tensorValues)
    const source = variableValues ?? tensorValues(table);
    const rowsOut = tensorBuffer(ids.length * cols, 'plain');
    for (let i = 0; i < ids.length; i++) {
      const from = (ids[i] as number) * cols;
      rowsOut.set(source.subarray(from, from + cols), i * cols);
    }
    const value = tf.tensor2d(rowsOut, [ids.length, cols]);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const upstream = tensorValues(dy);
        const grad = tensorBuffer(rows * cols, 'zeroed');
        for (let i = 0; i < ids.length; i++) {
          const dst = (ids[i] as number) * cols;
          const src = i * cols;
          for (let c = 0; c < cols; c++) grad[dst + c] = (grad[dst + c] as number) + (upstream[src + c] as number);
        }
        const out = tf.tensor2d(grad, [rows, cols]);
        if (grad.buffer === reusable.zeroed.buffer) for (let i = 0; i < ids.length; i++) grad.fill(0, (ids[i] as number) * cols, ((ids[i] as number) + 1) * cols);
        return out;
      },
    };
  });
  return op(table);
}

/**
 * gatherRows on the WASM heap (wasm/gather.as.ts): the rows copied out of the table where the
 * backend keeps it, and the gradient summed into a tensor it allocated, so neither the table
 * nor its gradient (14 MB for Amazon Beauty) crosses into JS and back.
 */
function gatherRowsOnHeap(heap: HeapKernels, table: tf.Tensor, ids: Int32Array, rows: number, cols: number): tf.Tensor {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = inputs[0] as tf.Tensor;
    const idsT = tf.tensor1d(ids, 'int32');
    const out = heap.output([ids.length, cols]);
    heap.exports.gatherRows(heap.at(t), heap.at(idsT), out.at, ids.length, cols);
    (inputs[1] as tf.GradSaveFunc)([idsT]);
    return {
      value: out.tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const grad = heap.output([rows, cols]);
        heap.exports.scatterAddRows(heap.at(dy), heap.at(saved[0]!), grad.at, ids.length, rows, cols);
        return grad.tensor;
      },
    };
  });
  return op(table);
}

/** One direction of a kernelOp: the regions it writes and the kernel calls that fill them. */
export interface KernelPass {
  /**
   * the regions written: the output, then any tensors kept for the backward pass (forward), or
   * one gradient per input (backward); then scratch
   */
  readonly outputs: OutputRegion[];
  /** backward only: which of the op's inputs it reads (default all); tfjs keeps a clone of each for it */
  readonly reads?: number[];
  /**
   * runs the kernels; `at`: the inputs' offsets (backward: the op's inputs it reads, then the
   * tensors the forward pass kept, then the output gradient), then the outputs'
   */
  run(kernels: SharedKernelExports, at: number[]): void;
  /** backward only: the input gradients from the shaped outputs and the output gradient (default: the outputs as they are) */
  gradients?(written: tf.Tensor[], dy: tf.Tensor): tf.Tensor[];
}

/**
 * A differentiable op whose work runs in the SIMD kernels on tensors (wasm/kernel-call.ts: on
 * the WASM heap with no copies, or copied in and out under the CPU backend). The caller has
 * checked that the kernels apply (cpuKernels()).
 */
export function kernelOp(inputs: tf.Tensor[], forward: KernelPass, backward: KernelPass): tf.Tensor {
  const run = (pass: KernelPass, operands: tf.Tensor[]): tf.Tensor[] => {
    const call = kernelCall(operands, pass.outputs);
    if (!call) throw new Error('kernelOp: the SIMD kernels do not run under this backend');
    pass.run(call.exports, call.at);
    return call.results();
  };
  const custom = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    const [value, ...kept] = run(forward, xs);
    (args[inputs.length] as tf.GradSaveFunc)([...(backward.reads ? backward.reads.map((i) => xs[i]!) : xs), ...kept]);
    return {
      value: value!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const written = run(backward, [...saved, dy]);
        return backward.gradients ? backward.gradients(written, dy) : written;
      },
    };
  });
  return custom(...inputs);
}
