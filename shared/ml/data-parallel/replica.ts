// The replica side of data-parallel training: what every thread (the main one for part 0,
// each worker for its part) computes for its share of a step, and what a worker starts from.
// Determinism: part p of batch b in epoch e draws from its own generator (partRandom), so a
// run with the same seed and thread count repeats exactly and resumes exactly; a different
// thread count is a different (equally valid) run, and the config records it.
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../random';
import type { BackendName } from '../backend';
import type { OptimizerConfig } from '../config';
import type { NamedWeights, RecModel } from '../encoder';
import { fingerprintArrays } from '../fingerprint';
import type { LoopData, ReplicaRecipe } from '../loop-data';
import { tensorValues } from '../wasm/kernels';
import type { PartResult, SharedStep } from './exchange';

/** The generator of part `part` of batch `batch` in epoch `epoch`. */
export function partRandom(seed: number, epoch: number, batch: number, part: number): Random {
  return new Random((seed ^ Math.imul(epoch + 1, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca6b) ^ Math.imul(part + 1, 0xc2b2ae35)) | 0);
}

/**
 * Part `part` of a batch dealt to `threads` parts in turn (samples part, part+T, …). Dealt, not
 * cut into consecutive slices: a length-bucketed batch is sorted by length (epochBatches), so
 * the last slice would hold the longest rows and the most targets, and the other threads would
 * wait for it (docs/decisions/0007-data-parallel-threads.md).
 */
export function partOf(samples: Int32Array, part: number, threads: number): Int32Array {
  const out = new Int32Array(Math.max(0, Math.ceil((samples.length - part) / threads)));
  for (let i = 0; i < out.length; i++) out[i] = samples[part + i * threads] as number;
  return out;
}

/** What a worker thread starts from (worker data). */
export interface ReplicaStart {
  readonly recipe: ReplicaRecipe;
  readonly backend: BackendName;
  readonly kernels: boolean;
  readonly encoder: RecModel['encoder'];
  readonly vocabulary: RecModel['vocabulary'];
  readonly weights: NamedWeights;
  readonly optimizer: OptimizerConfig;
  readonly adamState: { step: number; moments: NamedWeights };
  readonly seed: number;
  readonly batchSize: number;
  readonly part: number;
  readonly threads: number;
  readonly shared: SharedStep;
  readonly names: string[];
  readonly sizes: number[];
}

/**
 * The gradient of a batch or of one thread's part of it, handed to `write`. Its values
 * are views into the backend's memory, valid only during the call: `write` copies them into the
 * exchange before any other tfjs op runs. Reading copies out first cost a 14 MB allocation and
 * copy per step on Amazon Beauty, in every thread.
 */
export function partGradients(model: RecModel, data: LoopData, samples: Int32Array, rng: Random, epoch: number, write: (result: PartResult) => void): void {
  if (samples.length === 0) return write({ loss: 0, samples: 0, grads: null });
  tf.tidy(() => {
    const result = tf.variableGrads(() => data.batchLoss(samples, rng, epoch), [...model.params.values()]);
    write({ loss: result.value.dataSync()[0] as number, samples: samples.length, grads: gradientValues(model, result.grads) });
  });
}

/**
 * Each parameter's gradient values by name, as views into the backend's memory where it has
 * them (valid until the next tfjs op) and copies elsewhere; zeros for a parameter the loss did
 * not reach (tfjs leaves it out).
 */
function gradientValues(model: RecModel, grads: tf.NamedTensorMap): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.params) {
    const g = grads[v.name];
    out.set(name, g ? tensorValues(g) : new Float32Array(v.size));
  }
  return out;
}

/** Digest of a model's weights, compared across replicas when a group closes. */
export function weightsDigest(model: RecModel): string {
  return fingerprintArrays([...model.params.values()].map((v) => v.dataSync() as Float32Array));
}

