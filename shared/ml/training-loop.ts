// The epoch loop shared by pretraining and fine-tuning: shuffled mini-batches, Adam,
// a checkpoint after every epoch, cancellation between batches, and exact resumption.
//
// Exactness: every random draw of epoch e (data order, masks, negatives, dropout seeds)
// comes from a generator seeded by (seed, e) alone, so the RNG state at an epoch boundary
// is fully described by the epoch number saved with the checkpoint. Weights and Adam
// moments round-trip as float32 bit patterns, and the tfjs CPU/WASM kernels are
// deterministic, so a resumed run repeats the uninterrupted one bit for bit.
//
// Both cores: with `threads` > 1 each step is shared by data-parallel worker threads
// (data-parallel/): every thread computes the gradient of its part of the batch on its own
// replica and all apply the same mean, reduced in a fixed order, so the run stays exactly
// repeatable and resumable; each part draws from its own generator, seeded by (seed, epoch,
// batch, part). One thread (the default) keeps the single generator per epoch described above.
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../random';
import { Adam } from './adam';
import type { BackendName } from './backend';
import { DataParallelGroup } from './data-parallel/group';
import { partGradients, weightsDigest } from './data-parallel/replica';
import type { LoopData, ReplicaRecipe } from './loop-data';
import type { OptimizerConfig } from './config';
import { exportWeights, assignWeights, type NamedWeights, type RecModel } from './encoder';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';

export interface TrainingHooks {
  /** called after each epoch's checkpoint is completely written */
  onEpoch?(progress: { epoch: number; loss: number; checkpointDir: string }): void | Promise<void>;
  /** polled between batches; true stops the run after the current batch */
  shouldStop?(): boolean;
  log?(line: string): void;
}

export interface RunOptions {
  /** each epoch's checkpoint goes to <checkpointDir>/epoch-NNNN */
  readonly checkpointDir: string;
  /** a checkpoint directory written by the same kind of run with the same config and data */
  readonly resumeFrom?: string;
}

/** Where a run checkpoints, where it resumes from, and how it reports: the third argument of pretrain/finetune. */
export type TrainingRun = RunOptions & TrainingHooks;

export interface CheckpointMeta {
  readonly kind: 'pretrain' | 'finetune';
  readonly encoder: RecModel['encoder'];
  readonly vocabulary: RecModel['vocabulary'];
  /** the parsed training config, compared on resume (epochs may grow) */
  readonly config: unknown;
  readonly dataFingerprint: string;
  /** epochs completed; the next epoch's RNG is seeded by (seed, epochsDone) */
  readonly epochsDone: number;
  readonly optimizerStep: number;
  readonly lossHistory: number[];
  readonly rng: { readonly scheme: 'seeded-per-epoch'; readonly seed: number; readonly nextEpoch: number };
}

export interface LoopSpec extends LoopData {
  readonly kind: CheckpointMeta['kind'];
  readonly model: RecModel;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerConfig;
  readonly config: unknown;
  readonly dataFingerprint: string;
  /** data-parallel threads (data-parallel/); 1 trains on this thread alone */
  readonly threads?: number;
  /** how the other threads rebuild this loop's data and loss; required when threads > 1 */
  readonly replica?: ReplicaRecipe;
}

export interface LoopResult {
  readonly epochsDone: number;
  readonly lossHistory: number[];
  readonly checkpointDir: string | null;
  readonly stopped: boolean;
  readonly examplesPerSecond: number;
}

/** The generator for epoch e of a run seeded with `seed`. */
export function epochRandom(seed: number, epoch: number): Random {
  return new Random((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) | 0);
}

/** Batches per length-sorted chunk: large enough to find similar lengths, small enough to keep batches mixed. */
export const LENGTH_CHUNK_BATCHES = 32;

/**
 * One epoch's batches, drawn from `rng` (the epoch's generator, so a resumed run repeats
 * them). Without lengths: a shuffle cut into consecutive batches. With lengths: the shuffle
 * is cut into chunks of LENGTH_CHUNK_BATCHES batches, each chunk is sorted by length and cut
 * into batches, and the batches are shuffled — rows are padded to the longest of their
 * batch, and on short-history data (Amazon Beauty: ~7 items a user, maxLen 20-50) random
 * batches would be mostly padding.
 */
export function epochBatches(numSamples: number, batchSize: number, rng: Random, lengthOf?: (sample: number) => number): Int32Array[] {
  const order = new Int32Array(numSamples);
  for (let i = 0; i < numSamples; i++) order[i] = i;
  rng.shuffle(order);
  const batches: Int32Array[] = [];
  if (!lengthOf) {
    for (let s = 0; s < numSamples; s += batchSize) batches.push(order.subarray(s, Math.min(numSamples, s + batchSize)));
    return batches;
  }
  const chunk = batchSize * LENGTH_CHUNK_BATCHES;
  for (let c = 0; c < numSamples; c += chunk) {
    // stable: equal lengths keep their shuffled order
    const part = Array.from(order.subarray(c, Math.min(numSamples, c + chunk)), (sample, at) => ({ sample, at, length: lengthOf(sample) }));
    part.sort((a, b) => a.length - b.length || a.at - b.at);
    const sorted = Int32Array.from(part, (p) => p.sample);
    for (let s = 0; s < sorted.length; s += batchSize) batches.push(sorted.subarray(s, Math.min(sorted.length, s + batchSize)));
  }
  rng.shuffle(batches);
  return batches;
}

export const epochDirName = (epoch: number): string => `epoch-${String(epoch).padStart(4, '0')}`;

function splitCheckpoint(tensors: NamedWeights): { params: NamedWeights; moments: NamedWeights } {
  const params: NamedWeights = {};
  const moments: NamedWeights = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith('param/')) params[name.slice(6)] = t;
    else if (name.startsWith('adam/')) moments[name.slice(5)] = t;
  }
  return { params, moments };
}

const YIELD_EVERY_MS = 200;

export async function runEpochs(spec: LoopSpec, run: TrainingRun): Promise<LoopResult> {
  let lastYield = performance.now();
  const options = run;
  const hooks = run;
  const log = hooks.log ?? (() => undefined);
  const adam = new Adam(spec.optimizer, spec.model.params);
  const threads = spec.threads ?? 1;
  let group: DataParallelGroup | null = null;
  let finished = false;
  let epochsDone = 0;
  let lossHistory: number[] = [];
  let checkpointDir: string | null = null;
  try {
    if (options.resumeFrom) {
      const ck = await loadCheckpoint<CheckpointMeta>(options.resumeFrom);
      assertResumable(ck.meta, spec, options.resumeFrom);
      const { params, moments } = splitCheckpoint(ck.tensors);
      assignWeights(spec.model, params);
      adam.restoreState({ step: ck.meta.optimizerStep, moments });
      epochsDone = ck.meta.epochsDone;
      lossHistory = [...ck.meta.lossHistory];
      checkpointDir = options.resumeFrom;
      log(`${spec.kind}: resumed from ${options.resumeFrom} after epoch ${epochsDone}`);
    }
    if (threads > 1 && epochsDone < spec.epochs) {
      if (!spec.replica) throw new Error(`${spec.kind}: threads=${threads} needs a replica recipe to rebuild the loss on the other threads`);
      const backend = tf.getBackend() as BackendName;
      assertParallelBackend(spec.kind, backend, threads);
      const started = performance.now();
      group = await DataParallelGroup.start({ recipe: spec.replica, backend, model: spec.model, adam, optimizer: spec.optimizer, seed: spec.seed, batchSize: spec.batchSize, threads });
      log(`${spec.kind}: ${threads} data-parallel threads ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    let examples = 0;
    let seconds = 0;
    for (let epoch = epochsDone; epoch < spec.epochs; epoch++) {
      const rng = epochRandom(spec.seed, epoch);
      const batchList = epochBatches(spec.numSamples, spec.batchSize, rng, spec.lengthOf);
      let lossSum = 0;
      let batches = 0;
      const started = performance.now();
      for (const [b, samples] of batchList.entries()) {
        // Batches are synchronous tensor work; yielding between them now and then lets the
        // process deliver heartbeats, answer queries and notice cancellation mid-epoch.
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (hooks.shouldStop?.()) {
          log(`${spec.kind}: stop requested during epoch ${epoch + 1}; last checkpoint ${checkpointDir ?? 'none'}`);
          finished = true;
          return { epochsDone, lossHistory, checkpointDir, stopped: true, examplesPerSecond: seconds > 0 ? examples / seconds : 0 };
        }
        const loss = group ? parallelStep(group, spec, adam, epoch, b, samples) : serialStep(spec, adam, epoch, samples, rng);
        if (!Number.isFinite(loss)) throw new Error(`${spec.kind}: loss became ${loss} at epoch ${epoch + 1}, batch ${batches + 1}; lower optimizer.lr or check the input data`);
        lossSum += loss;
        batches += 1;
      }
      seconds += (performance.now() - started) / 1000;
      examples += spec.examplesPerEpoch ?? spec.numSamples;
      const epochLoss = batches > 0 ? lossSum / batches : Number.NaN;
      lossHistory.push(epochLoss);
      epochsDone = epoch + 1;
      checkpointDir = join(options.checkpointDir, epochDirName(epochsDone));
      await writeCheckpoint(checkpointDir, spec, adam, epochsDone, lossHistory);
      log(`${spec.kind}: epoch ${epochsDone}/${spec.epochs} loss ${epochLoss.toFixed(4)} (${((spec.examplesPerEpoch ?? spec.numSamples) / ((performance.now() - started) / 1000)).toFixed(0)} examples/s)`);
      await hooks.onEpoch?.({ epoch: epochsDone, loss: epochLoss, checkpointDir });
    }
    finished = true;
    return { epochsDone, lossHistory, checkpointDir, stopped: false, examplesPerSecond: seconds > 0 ? examples / seconds : 0 };
  } finally {
    // a run that ended normally also checks that every replica holds the same weights
    await group?.close(finished ? weightsDigest(spec.model) : null);
    adam.dispose();
  }
}

/**
 * Data-parallel replicas run on the in-process CPU backends only: native TensorFlow already
 * spreads one step over every core (or runs it on a GPU), and its binding is not meant to be
 * loaded once per worker thread.
 */
export function assertParallelBackend(kind: string, backend: BackendName, threads: number): void {
  if (threads > 1 && backend === 'tensorflow') throw new Error(`${kind}: threads=${threads} asks for data-parallel worker threads, which run on the wasm and cpu backends only; under native TensorFlow (${backend}) set threads: 1, its kernels already use every core or the GPU`);
}

/** One step on this thread alone: the batch's gradient, then Adam. Returns the batch loss. */
function serialStep(spec: LoopSpec, adam: Adam, epoch: number, samples: Int32Array, rng: Random): number {
  let loss = Number.NaN;
  // the gradient arrives as views into the backend's memory: Adam copies them all in before it runs a tfjs op
  partGradients(spec.model, spec, samples, rng, epoch, (part) => {
    if (part.grads) adam.applyValues(part.grads, epoch);
    loss = part.loss;
  });
  return loss;
}

/** One step shared with the worker threads: this thread's part, then Adam on the mean of all parts. */
function parallelStep(group: DataParallelGroup, spec: LoopSpec, adam: Adam, epoch: number, batch: number, samples: Int32Array): number {
  const { loss, grads } = group.step(epoch, batch, samples, (part, rng, write) => partGradients(spec.model, spec, part, rng, epoch, write));
  adam.applyValues(grads, epoch);
  return loss;
}

async function writeCheckpoint(dir: string, spec: LoopSpec, adam: Adam, epochsDone: number, lossHistory: number[]): Promise<void> {
  const tensors: NamedWeights = {};
  for (const [name, t] of Object.entries(exportWeights(spec.model))) tensors[`param/${name}`] = t;
  const state = adam.exportState();
  for (const [name, t] of Object.entries(state.moments)) tensors[`adam/${name}`] = t;
  const meta: CheckpointMeta = {
    kind: spec.kind,
    encoder: spec.model.encoder,
    vocabulary: spec.model.vocabulary,
    config: spec.config,
    dataFingerprint: spec.dataFingerprint,
    epochsDone,
    optimizerStep: state.step,
    lossHistory,
    rng: { scheme: 'seeded-per-epoch', seed: spec.seed, nextEpoch: epochsDone },
  };
  await saveCheckpoint(dir, { meta, tensors });
}

/** Training config without `epochs`, which a resumed run may raise. */
function comparable(config: unknown): string {
  if (config && typeof config === 'object') {
    const { epochs: _epochs, ...rest } = config as Record<string, unknown>;
    return JSON.stringify(rest);
  }
  return JSON.stringify(config);
}

function assertResumable(meta: CheckpointMeta, spec: LoopSpec, dir: string): void {
  const problems: string[] = [];
  if (meta.kind !== spec.kind) problems.push(`it was written by ${meta.kind}, not ${spec.kind}`);
  if (JSON.stringify(meta.encoder) !== JSON.stringify(spec.model.encoder)) problems.push('its encoder config differs');
  if (JSON.stringify(meta.vocabulary) !== JSON.stringify(spec.model.vocabulary)) problems.push('its item/token vocabulary differs');
  if (comparable(meta.config) !== comparable(spec.config)) problems.push('its training config differs (only epochs may change)');
  if (meta.dataFingerprint !== spec.dataFingerprint) problems.push('it was trained on different data');
  if (problems.length > 0) throw new Error(`Cannot resume from ${dir}: ${problems.join('; ')}. Start without resumeFrom or pass the matching checkpoint.`);
}
