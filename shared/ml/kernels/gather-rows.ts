// Row lookups with a gradient that scatter-adds into the looked-up rows only: embedding
// lookups and picking positions out of hidden states.
import * as tf from '@tensorflow/tfjs';
import { currentValues } from '../variable-values';
import { heapKernels, type HeapKernels } from '../wasm/heap-kernels';
import { tensorValues } from '../wasm/kernels';

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
  const variableValues = table instanceof tf.Variable ? currentValues(table) : null;
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
