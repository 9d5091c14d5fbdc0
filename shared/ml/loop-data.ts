// The training loop's data contract (training-loop.ts): what pretraining and fine-tuning hand
// the loop, and how a data-parallel replica rebuilds the same on another thread.
import type * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import type { RecModel } from './encoder';

/** What a loop needs from its data: the samples, their lengths and the loss of a batch. */
export interface LoopData {
  readonly numSamples: number;
  /** training examples one epoch covers, for the examples/s figure (defaults to numSamples) */
  readonly examplesPerEpoch?: number;
  /**
   * padded length of sample i; when given, samples of similar length share a batch (see
   * epochBatches), so a batch is padded to less than the longest sample of the data set
   */
  readonly lengthOf?: (sample: number) => number;
  /** the loss of one batch of sample indices; may draw from rng (masks, negatives, dropout) */
  /** `epoch` (0-based) lets a loss follow a schedule over training, e.g. a growing drop rate */
  readonly batchLoss: (samples: Int32Array, rng: Random, epoch: number) => tf.Scalar;
}

export type LoopDataBuilder = (input: unknown, model: RecModel) => LoopData;

/** A builder's input: the run's validated data and parsed config, cloned as they are to each worker thread. */
export interface LoopInput<Data, Config> {
  readonly data: Data;
  readonly cfg: Config;
}

/** How another thread rebuilds a run's loss on its own replica: `require(module)[builder](input, model)`. */
export interface ReplicaRecipe {
  /** absolute path of the module exporting the builder (its __filename) */
  readonly module: string;
  readonly builder: string;
  /** the builder's first argument; must survive structured cloning (plain objects, typed arrays) */
  readonly input: unknown;
}
