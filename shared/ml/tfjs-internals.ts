// Every read of TensorFlow.js private fields, and the two WASM kernels this code replaces, in
// one place: the glue that lets the SIMD kernels work on tensors where the WASM backend keeps
// them. These fields are not public API, so package.json pins @tensorflow/tfjs and
// @tensorflow/tfjs-backend-wasm to the exact version they were read from, and
// checkWasmInternals() refuses a backend that lacks them before any kernel relies on them.
import * as tf from '@tensorflow/tfjs';

/** The tfjs version whose internals this file reads (package.json pins it). */
export const PINNED_TFJS_VERSION = '4.22.0';

/** What this code reads of the WASM backend: its heap, where each tensor lives in it, its allocator and reference counts. */
export interface WasmBackendInternals {
  readonly wasm: { readonly HEAPU8: Uint8Array; readonly asm: { readonly memory: object } };
  readonly dataIdMap: { get(dataId: object): { readonly memoryOffset: number | null } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
}

/** The backend buffer handle a tensor holds now; a variable's assign swaps it. */
export function dataIdOf(t: tf.Tensor): object {
  return (t as unknown as { dataId: object }).dataId;
}

/** The active backend's internals; call only while the WASM backend is active. */
export function wasmBackend(): WasmBackendInternals {
  return tf.backend() as unknown as WasmBackendInternals;
}

/** Where the WASM backend keeps `t`'s data, as a byte offset into its heap; undefined when it has none there. */
export function heapOffsetOf(backend: WasmBackendInternals, t: tf.Tensor): number | undefined {
  const at = backend.dataIdMap.get(dataIdOf(t))?.memoryOffset;
  return typeof at === 'number' ? at : undefined;
}

/** `size` floats of the backend's heap from byte offset `at`: valid until the next tfjs op, which may grow (and so replace) the heap. */
export function heapFloats(backend: WasmBackendInternals, at: number, size: number): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, at, size);
}

/** The WebAssembly.Memory the backend's heap lives in (replaced when the heap grows). */
export function heapMemory(backend: WasmBackendInternals): object {
  return backend.wasm.asm.memory;
}

/** A new tensor whose data the backend allocated in its heap, contents undefined until written. */
export function allocateOnHeap(backend: WasmBackendInternals, shape: number[], dtype: tf.DataType): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, dtype));
}

/**
 * Throws, naming each missing field, when the active WASM backend lacks what this file reads:
 * another tfjs version than the pinned one may have renamed them, and the kernels would then
 * read the wrong memory or fail deep inside a training step.
 */
export function checkWasmInternals(): void {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const wasm = backend.wasm as Record<string, unknown> | undefined;
  const asm = wasm?.asm as Record<string, unknown> | undefined;
  const probe = tf.tensor1d([0]);
  const missing = [
    ...(wasm?.HEAPU8 instanceof Uint8Array ? [] : ['backend.wasm.HEAPU8']),
    ...((asm?.memory as { buffer?: unknown } | undefined)?.buffer instanceof ArrayBuffer ? [] : ['backend.wasm.asm.memory']),
    ...(typeof (backend.dataIdMap as { get?: unknown } | undefined)?.get === 'function' ? [] : ['backend.dataIdMap.get']),
    ...['makeOutput', 'typedArrayFromHeap', 'incRef'].filter((name) => typeof backend[name] !== 'function').map((name) => `backend.${name}`),
    ...(typeof dataIdOf(probe) === 'object' && dataIdOf(probe) !== null ? [] : ['tensor.dataId']),
  ];
  if (missing.length === 0 && heapOffsetOf(wasmBackend(), probe) === undefined) missing.push('dataIdMap entry memoryOffset');
  probe.dispose();
  if (missing.length > 0) {
    throw new Error(
      `the ${tf.getBackend()} backend of @tensorflow/tfjs ${tf.version_core} lacks internals that shared/ml/tfjs-internals.ts reads (${missing.join(', ')}); ` +
        `this code is written against ${PINNED_TFJS_VERSION}: install the version package.json pins (npm ci).`,
    );
  }
}

/**
 * The WASM backend's Identity kernel copies its input, and tfjs runs it to clone every tensor a
 * gradient needs (save() in tf.customGrad, and the inputs a MatMul, Mul or Add keeps for its
 * backward pass): ~90 copies in an ml-100k fine-tuning step, ~5 % of its kernel time. Tensors
 * never change in place (a variable's assign swaps its data for new data), so the clone can
 * share its input's data with a reference count, as the backend's own Reshape and the CPU
 * backend's Identity already do.
 */
function shareDataInWasmIdentity(): void {
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      (backend as unknown as WasmBackendInternals).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/**
 * The WASM backend's Slice reads its whole input out of the heap into a fresh array
 * (readSync) before copying the part it keeps: the loss's class block is a slice of the
 * embedding table, so every pretraining step would copy ml-100k's 1 MB table out twice and
 * leave it to the garbage collector (Amazon Beauty's: 14 MB). A contiguous block (rows of a
 * matrix) is copied here between heap views instead; other slices keep the stock kernel.
 */
function sliceInPlaceInWasm(): void {
  const stock = tf.getKernel(tf.Slice, 'wasm');
  if (!stock) return;
  tf.unregisterKernel(tf.Slice, 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
      if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, from, extent)) return stock.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendInternals;
      const out = backend.makeOutput(extent, x.dtype);
      // views taken after makeOutput, which may grow (and so replace) the heap
      const offset = tf.slice_util.computeFlatOffset(from, tf.util.computeStrides(x.shape));
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + tf.util.sizeFromShape(extent)));
      return out;
    },
  });
}

/** Replaces the WASM backend's Identity and Slice kernels (above); run once, before the backend is used. */
export function patchWasmKernels(): void {
  shareDataInWasmIdentity();
  sliceInPlaceInWasm();
}
