// A planning estimate of a spec's training cost from its data sizes, printed by
// `assay validate` before anything trains. It counts the dominant arithmetic (encoder
// layers and the full softmax over the item set, forward and backward) and the memory of
// weights, optimizer state and the largest activations. It is an order of magnitude, not
// a promise: the real rate depends on the backend, the host and the thread count.
import type { PipelineSpec } from './spec';
import { pretrainsOnKept } from './step-table';

/** Sustained multiply-adds per second one CPU training thread is assumed to reach; a round planning figure. */
export const ASSUMED_FLOPS_PER_THREAD = 2e9;
const BYTES_PER_FLOAT = 4;
/** weights, gradients and Adam's two moments */
const COPIES_PER_PARAM = 4;
/** backward costs about twice the forward */
const FORWARD_AND_BACKWARD = 3;

export interface DataSizes {
  readonly users: number;
  readonly items: number;
  readonly trainEvents: number;
  /** text vocabulary of the item titles */
  readonly vocabulary: number;
}

export interface ResourceEstimate {
  readonly parameters: number;
  readonly peakMemoryBytes: number;
  readonly pretrainSeconds: number;
  readonly finetuneSeconds: number;
  /** every pretrain (the valued one too, on the kept share, under quarantine 'everywhere') + every fine-tune the spec runs (valued, and control when on) */
  readonly totalSeconds: number;
}

export function estimateResources(spec: PipelineSpec, sizes: DataSizes): ResourceEstimate {
  const { dim: d, layers, maxLen: T, ffnMultiplier, priceBuckets } = spec.pretrain.encoder;
  const V = sizes.items;
  const layerParams = (4 + 2 * ffnMultiplier) * d * d;
  const parameters = V * d + T * d + layers * layerParams + sizes.vocabulary * d + (priceBuckets === undefined ? 0 : (priceBuckets + 1) * d);

  // one sequence through the encoder: every position through every layer, plus attention
  const encoderFlops = T * layers * (layerParams + 2 * T * d);
  // pretrain: user histories cut into windows of T, masked positions scored against every item
  const sequences = Math.max(sizes.users, Math.ceil(sizes.trainEvents / T));
  const maskedPerSequence = Math.max(1, spec.pretrain.maskProb * T);
  const pretrainFlops = spec.pretrain.epochs * sequences * (encoderFlops + maskedPerSequence * d * V) * FORWARD_AND_BACKWARD;
  // fine-tune: the encoder counted once per window of T events, as in pretraining, and one
  // full softmax per training interaction
  const finetuneFlops = spec.finetune.epochs * (sequences * encoderFlops + sizes.trainEvents * d * V) * FORWARD_AND_BACKWARD;

  const pretrainSeconds = pretrainFlops / (ASSUMED_FLOPS_PER_THREAD * spec.pretrain.threads);
  const finetuneSeconds = finetuneFlops / (ASSUMED_FLOPS_PER_THREAD * spec.finetune.threads);
  const finetunes = spec.control ? 2 : 1;
  // the valued pretrain reads the kept share (a threshold's share is unknown before valuing: counted whole)
  const pretrains = 1 + (pretrainsOnKept(spec.valuation.quarantine) ? (spec.valuation.keep ?? 1) : 0);

  // every thread trains its own replica; the largest activation is a batch's logits over the items
  const stateBytes = parameters * BYTES_PER_FLOAT * COPIES_PER_PARAM * Math.max(spec.pretrain.threads, spec.finetune.threads);
  const logitsBytes = Math.max(spec.pretrain.batchSize * maskedPerSequence, spec.finetune.batchSize) * V * BYTES_PER_FLOAT * 2;
  const activationBytes = Math.max(spec.pretrain.batchSize, spec.finetune.batchSize) * T * d * layers * 10 * BYTES_PER_FLOAT;
  return {
    parameters,
    peakMemoryBytes: stateBytes + logitsBytes + activationBytes,
    pretrainSeconds,
    finetuneSeconds,
    totalSeconds: pretrains * pretrainSeconds + finetunes * finetuneSeconds,
  };
}
