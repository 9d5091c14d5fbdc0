// Which compute backend a step runs on, and so on which device, recorded with each step
// attempt. Model steps select the TensorFlow.js backend (native bindings, else WASM, else CPU)
// and say whether Assay's SIMD kernels run beside it; the rest run plain Node.
import type { StepName } from '../shared/pipeline/contract';
import { STEP_TABLE } from '../shared/pipeline/step-table';

export interface ComputeBackend {
  /** e.g. `tfjs-wasm+simd-kernels`, `tfjs-tensorflow`, `node` */
  name: string;
  /** where the backend computes: only the GPU build of the native bindings uses a GPU */
  device: 'gpu' | 'cpu';
}

export async function computeBackend(step: StepName): Promise<ComputeBackend> {
  if (!STEP_TABLE[step].model) return { name: 'node', device: 'cpu' };
  const { selectBackend } = await import('../shared/ml/backend');
  const choice = await selectBackend(undefined, () => {});
  const { cpuKernels } = await import('../shared/ml/wasm/kernels');
  // with the SIMD kernels, attention, layer norm and GELU do not run on the backend's own ops
  return { name: `tfjs-${choice.name}${cpuKernels() ? '+simd-kernels' : ''}`, device: choice.device };
}

/**
 * The device a step actually used: the worker's pinned GPU (`cuda:N`) only when the backend
 * computes on a GPU; a step on WASM or the CPU backend ran on the CPU whatever the pin says.
 */
export function deviceUsed(backend: ComputeBackend, pinned: string): string {
  if (backend.device === 'cpu') return 'cpu';
  return pinned.startsWith('cuda:') ? pinned : 'cuda:0';
}
