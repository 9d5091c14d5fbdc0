// The one door to the kernel-backed ops: differentiable tfjs ops (and the shapes they take)
// that run in the SIMD kernels where those apply and on their reference forms (reference.ts)
// elsewhere, so the model code never chooses a path or touches ../wasm itself.
export { qkvProjection, selfAttention, type AttentionBlocks, type AttentionDropout, type AttentionShape, type QkvParts } from './attention';
export { biasGelu, layerNorm, linearGelu, residualAdd, residualLinear } from './block-ops';
export type { DropoutDraw } from './dropout';
export { embedInputs, type EmbedLayout, type EmbedShape } from './embed';
export { gatherRows } from './gather-rows';
export { matMul } from './matmul';
export { classCrossEntropy, crossEntropy, softmaxLoss, type ClassBlock, type LossOptions, type LossShape, type TargetStandings } from './softmax-loss';
