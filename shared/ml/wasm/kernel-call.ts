// One kernel call's operands, wherever the kernels run: on the tfjs WASM heap itself
// (./heap-kernels.ts: inputs read in place, outputs written into tensors the backend
// allocated) or, under the CPU backend, copied into the kernels' own memory (./kernels.ts)
// and the outputs copied back out into tensors. Every kernel is in both modules, so a caller
// writes its call once.
import * as tf from '@tensorflow/tfjs';
import { heapKernels, type HeapKernelExports } from './heap-kernels';
import { cpuKernels, tensorFromKernel, tensorValues } from './kernels';

/** The kernels both modules export (all but the copying module's heapBase). */
export type SharedKernelExports = HeapKernelExports;

/** An output region: a tensor of this shape, or `scratch` floats the kernel uses and drops. */
export type OutputRegion = number[] | { scratch: number };

export interface KernelCall {
  readonly exports: SharedKernelExports;
  /** byte offsets: the inputs, then the outputs, in the order given */
  readonly at: number[];
  /** The shaped outputs as tensors, in order (scratch regions left out); call once, after the kernels ran. */
  results(): tf.Tensor[];
}

/** Operands for a call on `inputs` (float32 or int32 tensors) with `outputs` regions (float32), or null where the kernels do not run. */
export function kernelCall(inputs: tf.Tensor[], outputs: OutputRegion[]): KernelCall | null {
  const inHeap = heapKernels();
  if (inHeap) {
    const made = outputs.map((o) => inHeap.output(Array.isArray(o) ? o : [o.scratch]));
    return {
      exports: inHeap.exports,
      at: [...inputs.map((t) => inHeap.at(t)), ...made.map((m) => m.at)],
      results: () => {
        tf.dispose(made.filter((_, i) => !Array.isArray(outputs[i])).map((m) => m.tensor));
        return made.filter((_, i) => Array.isArray(outputs[i])).map((m) => m.tensor);
      },
    };
  }
  const copying = cpuKernels();
  if (!copying) return null;
  const sizes = outputs.map((o) => (Array.isArray(o) ? o.reduce((a, b) => a * b, 1) : o.scratch));
  // every input read in place and copied in at once (tensorValues views last until the next tfjs op)
  const at = copying.place([...inputs.map(tensorValues), ...sizes.map((n) => Math.max(n, 1) * 4)]);
  return {
    exports: copying.exports,
    at,
    results: () => outputs.flatMap((o, i) => (Array.isArray(o) ? [tensorFromKernel(copying.view(at[inputs.length + i]!, sizes[i]!), o)] : [])),
  };
}
