// Picks the TensorFlow.js backend for this process (docs/architecture.md §4): native TensorFlow bindings
// where they are installed (GPU build first), else WASM, else the plain-JS CPU backend.
// The bindings need a download from outside the npm registry, so they are optional and
// loaded with a guarded require; the choice is logged and returned so steps can record it.
// When the bindings are absent the WASM backend is the default: a training step runs about 17×
// faster there than on the CPU backend (docs/performance.md, "what the WASM backend does fast").
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

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
      (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
shareDataInWasmIdentity();

/** What sliceInPlace reads of the WASM backend. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The WASM backend's Slice reads its whole input out of the heap into a fresh array
 * (readSync) before copying the part it keeps: the loss's class block is a slice of the
 * embedding table, so every pretraining step copied ml-100k's 1 MB table out twice and left
 * it to the garbage collector (Amazon Beauty's: 14 MB). A contiguous block (rows of a
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
      const backend = args.backend as unknown as WasmHeapBackend;
      const out = backend.makeOutput(extent, x.dtype);
      // views taken after makeOutput, which may grow (and so replace) the heap
      const offset = tf.slice_util.computeFlatOffset(from, tf.util.computeStrides(x.shape));
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + tf.util.sizeFromShape(extent)));
      return out;
    },
  });
}
sliceInPlaceInWasm();

export interface BackendChoice {
  readonly name: BackendName;
  /** the npm package that provides it */
  readonly package: string;
  /** where the kernels run: 'gpu', or 'cpu' */
  readonly device: 'gpu' | 'cpu';
}

const requireOptional = createRequire(__filename);

/** Loads an optional native binding; false when it is not installed or cannot load. */
function tryRequire(pkg: string): boolean {
  try {
    requireOptional(pkg);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

let current: BackendChoice | undefined;

/**
 * Activates the fastest available backend, or `prefer` when it is available. Idempotent:
 * the first successful choice is kept for the process unless `prefer` names another.
 */
export async function selectBackend(prefer?: BackendName, log: (line: string) => void = console.log): Promise<BackendChoice> {
  if (current && (prefer === undefined || prefer === current.name)) return current;
  const candidates: BackendChoice[] = [];
  if (tryRequire('@tensorflow/tfjs-node-gpu')) candidates.push({ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', device: 'gpu' });
  else if (tryRequire('@tensorflow/tfjs-node')) candidates.push({ name: 'tensorflow', package: '@tensorflow/tfjs-node', device: 'cpu' });
  candidates.push({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'cpu' });
  candidates.push({ name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', device: 'cpu' });
  const ordered = prefer ? [...candidates.filter((c) => c.name === prefer), ...candidates.filter((c) => c.name !== prefer)] : candidates;
  for (const choice of ordered) {
    if (await activate(choice.name)) {
      if (prefer && choice.name !== prefer) log(`tfjs backend '${prefer}' is unavailable here; falling back`);
      log(`tfjs backend: ${choice.name} (${choice.package}, device ${choice.device})`);
      current = choice;
      return choice;
    }
  }
  throw new Error('No TensorFlow.js backend could start (tried tensorflow, wasm, cpu); check that @tensorflow/tfjs is installed.');
}
