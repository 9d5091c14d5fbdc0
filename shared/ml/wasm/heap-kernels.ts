// Every SIMD kernel (attention.as.ts, embed.as.ts, gather.as.ts, matmul.as.ts, softmax.as.ts,
// rows.as.ts, dropout.as.ts, adam.as.ts), compiled a second time by infra/setup.sh into a
// module that imports its memory (build/wasm/heap-kernels.wasm), with no data of its own to
// place there. Bound to the tfjs WASM backend's memory, they read tensors where the backend
// keeps them and write into tensors it allocated, with no copy in either direction (only
// under the WASM backend, with the kernels enabled; elsewhere callers use the copying module
// or tfjs ops, and ./kernel-call.ts chooses). Bound to a memory of its own, the module is
// Adam's arena (../adam.ts), under any backend.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { allocateOnHeap, heapMemory, heapOffsetOf, wasmBackend, type WasmBackendInternals } from '../tfjs-internals';
import { KERNEL_BUILD, namingTraps } from './kernel-build';
import { KERNEL_FUNCTIONS, kernelsEnabled, type KernelExports } from './kernels';

/** Where infra/setup.sh writes the module (a build output, ignored by git; ./kernel-build.ts picks the build). */
export const HEAP_KERNELS_WASM_PATH = path.join(KERNEL_BUILD.dir, 'heap-kernels.wasm');

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

/** Every pointer is a byte offset into the backend's heap (see the .as.ts files). */
export type HeapKernelExports = Omit<KernelExports, 'memory' | 'heapBase'>;

export class HeapKernels {
  constructor(
    readonly exports: HeapKernelExports,
    private readonly backend: WasmBackendInternals,
  ) {}

  /** The byte offset of a tensor's data in the heap; the tensor must live on this backend. */
  at(t: tf.Tensor): number {
    const offset = heapOffsetOf(this.backend, t);
    if (offset === undefined) throw new Error(`HeapKernels: tensor ${t.id} has no data in the WASM heap`);
    return offset;
  }

  /** A new tensor the backend allocated (contents undefined until a kernel writes them), and where it lies. */
  output(shape: number[], dtype: 'float32' | 'int32' = 'float32'): { tensor: tf.Tensor; at: number } {
    const tensor = allocateOnHeap(this.backend, shape, dtype);
    return { tensor, at: this.at(tensor) };
  }
}

const EXPORTED_FUNCTIONS = KERNEL_FUNCTIONS.filter((name) => name !== 'heapBase');

/** The compiled module, or null when it is not built here. */
let compiled: object | null | undefined;
/** The instance bound to the memory of the backend it was made for. */
let bound: { memory: object; kernels: HeapKernels } | undefined;

/** The module instantiated on `memory` (a WebAssembly.Memory), or null when the kernels are off or not built (the assertion build, once asked for, must be). */
export function heapKernelsOn(memory: object): HeapKernelExports | null {
  if (!kernelsEnabled()) return null;
  if (compiled === undefined && KERNEL_BUILD.asserts && !existsSync(HEAP_KERNELS_WASM_PATH)) throw new Error(`ASSAY_KERNEL_ASSERTS=1 asks for the kernels built with assertions, but ${HEAP_KERNELS_WASM_PATH} is missing; build it with \`bash infra/setup.sh\`.`);
  let exports: Record<string, unknown>;
  try {
    compiled ??= existsSync(HEAP_KERNELS_WASM_PATH) ? new WebAssembly.Module(readFileSync(HEAP_KERNELS_WASM_PATH)) : null;
    if (!compiled) return null;
    exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as Record<string, unknown>;
  } catch (err) {
    throw new Error(`The SIMD kernel module ${HEAP_KERNELS_WASM_PATH} does not load (${(err as Error).message}); rebuild it with \`bash infra/setup.sh\`, or delete it to run without it.`, { cause: err });
  }
  const missing = EXPORTED_FUNCTIONS.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) throw new Error(`The SIMD kernel module ${HEAP_KERNELS_WASM_PATH} is out of date (it lacks ${missing.join(', ')}); rebuild it with \`bash infra/setup.sh\`.`);
  return (KERNEL_BUILD.asserts ? namingTraps(exports, EXPORTED_FUNCTIONS) : exports) as unknown as HeapKernelExports;
}

/** The heap kernels under the active WASM backend, or null (another backend, kernels off, module not built). */
export function heapKernels(): HeapKernels | null {
  if (!kernelsEnabled() || tf.getBackend() !== 'wasm') return null;
  const backend = wasmBackend();
  const memory = heapMemory(backend);
  if (bound?.memory !== memory) {
    const exports = heapKernelsOn(memory);
    if (!exports) return null;
    bound = { memory, kernels: new HeapKernels(exports, backend) };
  }
  return bound.kernels;
}
