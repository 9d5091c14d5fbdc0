// A differentiable tfjs op whose forward and backward passes run in the SIMD kernels.
import * as tf from '@tensorflow/tfjs';
import { kernelCall, type OutputRegion, type SharedKernelExports } from './kernel-call';

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
