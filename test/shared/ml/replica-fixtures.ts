// Loop-data builders that data-parallel tests hand to worker threads by module path.
import * as tf from '@tensorflow/tfjs';
import type { LoopData } from '../../../shared/ml/loop-data';
import { param, type RecModel } from '../../../shared/ml/encoder';
import { gatherRows } from '../../../shared/ml/kernels/gather-rows';

export interface SquaresInput {
  readonly samples: number;
}

/** Sample s's loss is ‖table row s‖²; the batch loss is their mean, so part means weighted by size are the batch mean exactly. */
export function squaresLoopData(input: unknown, model: RecModel): LoopData {
  const { samples } = input as SquaresInput;
  return {
    numSamples: samples,
    batchLoss: (batch) => tf.mean(tf.sum(tf.square(gatherRows(param(model, 'embedding.table'), batch)), 1)) as tf.Scalar,
  };
}

/** Throws in every batch on a worker thread (part ≥ 1): how a failing replica looks to the main thread. */
export function failingLoopData(input: unknown, model: RecModel): LoopData {
  const data = squaresLoopData(input, model);
  return { ...data, batchLoss: () => { throw new Error('replica loss exploded'); } };
}
