// Which compute backend a step runs on, recorded with each step attempt. Model steps select
// the TensorFlow.js backend (native bindings, else WASM, else CPU) and say whether Assay's
// SIMD kernels run beside it; the rest run plain Node.
import type { StepName } from '../shared/pipeline/contract';

const MODEL_STEPS: ReadonlySet<StepName> = new Set(['pretrain', 'value', 'finetune', 'infer']);

export async function computeBackendName(step: StepName): Promise<string> {
  if (!MODEL_STEPS.has(step)) return 'node';
  const { selectBackend } = await import('../shared/ml/backend');
  const choice = await selectBackend(undefined, () => {});
  const { cpuKernels } = await import('../shared/ml/wasm/kernels');
  // with the SIMD kernels, attention, layer norm and GELU do not run on the backend's own ops
  return `tfjs-${choice.name}${cpuKernels() ? '+simd-kernels' : ''}`;
}
