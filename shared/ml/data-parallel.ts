// Data-parallel training on worker threads: every thread holds a replica of the model and of
// Adam, computes the gradient of its share of each batch, and all of them then apply the same
// mean gradient, so the replicas stay bit-identical without ever sending weights around.
//
// Exchange: one SharedArrayBuffer holds every thread's gradient (two copies, alternating by
// step, so a thread still summing step s never reads a region another thread is already
// writing for step s+1), and a small Int32Array drives the lockstep with Atomics:
//   main: publish (epoch, batch), bump GEN → all: compute own part, write region, DONE += 1
//   main: wait DONE = threads − 1, set RELEASE = GEN → all: thread p reduces slice p of the
//   parameters (the mean over parts 0..T−1, in order) into the shared mean, MEANED += 1
//   all: wait MEANED = T × steps so far → Adam on the whole shared mean.
// The mean weighs each part by its number of samples and sums in part order, so every replica
// applies exactly the same floats. Each thread reduces only its slice, not the whole mean,
// which on a large item table is a noticeable share of a step (docs/performance.md).
// Determinism: part p of batch b in epoch e draws from its own generator (partRandom), so a
// run with the same seed and thread count repeats exactly and resumes exactly; a different
// thread count is a different (equally valid) run, and the config records it.
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../data/random';
import { startWorker } from '../threads/worker';
import type { Adam } from './adam';
import type { BackendName } from './backend';
import type { OptimizerConfig } from './config';
import { exportWeights, type NamedWeights, type RecModel } from './encoder';
import { fingerprintArrays } from './fingerprint';
import { kernelsEnabled, tensorValues } from './wasm/kernels';

/** How another thread rebuilds a run's loss on its own replica: `require(module)[builder](input, model)`. */
export interface ReplicaRecipe {
  /** absolute path of the module exporting the builder (its __filename) */
  readonly module: string;
  readonly builder: string;
  /** the builder's first argument; must survive structured cloning (plain objects, typed arrays) */
  readonly input: unknown;
}

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

/** One thread's share of a step: its mean loss, its sample count, and its gradient (null when it had no samples). */
export interface PartResult {
  readonly loss: number;
  readonly samples: number;
  readonly grads: ReadonlyMap<string, Float32Array> | null;
}

/** Indices of the shared control words, and the commands the main thread posts. */
export const CONTROL = { GEN: 0, RELEASE: 1, DONE: 2, COMMAND: 3, EPOCH: 4, BATCH: 5, FAILED: 6, ERROR_BYTES: 7, MEANED: 8, STEP: 1, EXIT: 2 } as const;
const CONTROL_WORDS = 9;
/** slice bounds of the shared mean are multiples of this many values (64-byte cache lines) */
const SLICE_ALIGN = 16;
const ERROR_CAPACITY = 4096;
const WAIT_MS = 1000;

export interface SharedStep {
  readonly control: SharedArrayBuffer;
  readonly gradients: SharedArrayBuffer;
  /**
   * the step's mean gradient, one slice reduced by each thread. One copy suffices: a thread
   * writes step s+1's slice only after every part of s+1 is in, that is after every thread has
   * finished step s's Adam, the last reader of step s's mean.
   */
  readonly means: SharedArrayBuffer;
  /** per parity and part: [loss, samples] */
  readonly losses: SharedArrayBuffer;
  readonly error: SharedArrayBuffer;
}

/** The layout both sides read: parameter order, offsets and the shared buffers. */
export class StepExchange {
  readonly control: Int32Array;
  readonly losses: Float64Array;
  private readonly gradients: Float32Array;
  private readonly means: Float32Array;
  private readonly error: Uint8Array;
  private chunk: Float64Array | null = null;
  readonly offsets: number[] = [];
  readonly total: number;

  constructor(
    readonly shared: SharedStep,
    readonly names: string[],
    readonly sizes: number[],
    readonly threads: number,
  ) {
    let at = 0;
    for (const size of sizes) {
      this.offsets.push(at);
      at += size;
    }
    this.total = at;
    this.control = new Int32Array(shared.control);
    this.losses = new Float64Array(shared.losses);
    this.gradients = new Float32Array(shared.gradients);
    this.means = new Float32Array(shared.means);
    this.error = new Uint8Array(shared.error);
  }

  static create(names: string[], sizes: number[], threads: number): StepExchange {
    const total = sizes.reduce((a, b) => a + b, 0);
    return new StepExchange(
      {
        control: new SharedArrayBuffer(CONTROL_WORDS * 4),
        gradients: new SharedArrayBuffer(2 * threads * total * 4),
        means: new SharedArrayBuffer(total * 4),
        losses: new SharedArrayBuffer(2 * threads * 2 * 8),
        error: new SharedArrayBuffer(ERROR_CAPACITY),
      },
      names,
      sizes,
      threads,
    );
  }

  private region(parity: number, part: number): Float32Array {
    const from = (parity * this.threads + part) * this.total;
    return this.gradients.subarray(from, from + this.total);
  }

  /** Writes one part's gradient (by parameter name) and its loss; an empty part writes only its zero sample count. */
  write(parity: number, part: number, result: PartResult): void {
    const region = this.region(parity, part);
    if (result.grads) {
      for (const [i, name] of this.names.entries()) {
        const g = result.grads.get(name);
        if (!g || g.length !== this.sizes[i]) throw new Error(`data-parallel step: part ${part} has no gradient of size ${this.sizes[i]} for '${name}'`);
        region.set(g, this.offsets[i]);
      }
    }
    this.losses[(parity * this.threads + part) * 2] = result.loss;
    this.losses[(parity * this.threads + part) * 2 + 1] = result.samples;
  }

  /**
   * The sample-weighted mean of every part's gradient and loss, reduced by this thread alone;
   * valid until the next step. A group's threads call sharedMean instead.
   */
  mean(parity: number): { loss: number; grads: Map<string, Float32Array> } {
    this.reduce(parity, 0, this.total);
    return { loss: this.meanLoss(parity), grads: this.meanViews() };
  }

  /**
   * The same mean, reduced by all `threads` together: this thread (`part`) reduces its slice,
   * then waits for the others' (step `round` of the group, counted from 0).
   */
  sharedMean(parity: number, part: number, round: number): { loss: number; grads: Map<string, Float32Array> } {
    const size = Math.ceil(this.total / this.threads / SLICE_ALIGN) * SLICE_ALIGN;
    this.reduce(parity, Math.min(this.total, part * size), Math.min(this.total, (part + 1) * size));
    this.bump(CONTROL.MEANED);
    this.waitFor(CONTROL.MEANED, (round + 1) * this.threads);
    return { loss: this.meanLoss(parity), grads: this.meanViews() };
  }

  private shares(parity: number): number[] {
    let samples = 0;
    for (let p = 0; p < this.threads; p++) samples += this.losses[(parity * this.threads + p) * 2 + 1] as number;
    return Array.from({ length: this.threads }, (_, p) => (this.losses[(parity * this.threads + p) * 2 + 1] as number) / samples);
  }

  private meanLoss(parity: number): number {
    let loss = 0;
    for (const [p, share] of this.shares(parity).entries()) if (share > 0) loss += share * (this.losses[(parity * this.threads + p) * 2] as number);
    return loss;
  }

  /**
   * means[from, to) = Σ_p share_p · part p's gradient, summed in f64 in part order from 0 and
   * rounded once; parts without samples are skipped. Two parts (the common case) take one fused
   * pass; more go through a small f64 chunk that stays in cache.
   */
  private reduce(parity: number, from: number, to: number): void {
    const parts = this.shares(parity).flatMap((share, p) => (share > 0 ? [{ share, region: this.region(parity, p) }] : []));
    const out = this.means;
    if (parts.length === 2) {
      const [a, b] = parts as [(typeof parts)[0], (typeof parts)[0]];
      for (let i = from; i < to; i++) out[i] = 0 + a.share * (a.region[i] as number) + b.share * (b.region[i] as number);
      return;
    }
    const chunk = (this.chunk ??= new Float64Array(4096));
    for (let lo = from; lo < to; lo += chunk.length) {
      const n = Math.min(chunk.length, to - lo);
      chunk.fill(0, 0, n);
      for (const { share, region } of parts) for (let i = 0; i < n; i++) chunk[i] = (chunk[i] as number) + share * (region[lo + i] as number);
      for (let i = 0; i < n; i++) out[lo + i] = chunk[i] as number;
    }
  }

  private meanViews(): Map<string, Float32Array> {
    const grads = new Map<string, Float32Array>();
    for (const [i, name] of this.names.entries()) grads.set(name, this.means.subarray(this.offsets[i], (this.offsets[i] as number) + (this.sizes[i] as number)));
    return grads;
  }

  /** Blocks until control[index] ≥ target, or throws when a thread reported a failure. */
  waitFor(index: number, target: number): void {
    for (;;) {
      const now = Atomics.load(this.control, index);
      if (now >= target) return;
      if (Atomics.load(this.control, CONTROL.FAILED) !== 0) throw new Error(`data-parallel training: a worker thread failed: ${this.errorText()}`);
      Atomics.wait(this.control, index, now, WAIT_MS);
    }
  }

  fail(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_CAPACITY);
    this.error.set(bytes);
    Atomics.store(this.control, CONTROL.ERROR_BYTES, bytes.length);
    Atomics.store(this.control, CONTROL.FAILED, 1);
    for (const index of [CONTROL.GEN, CONTROL.RELEASE, CONTROL.DONE, CONTROL.MEANED]) Atomics.notify(this.control, index);
  }

  errorText(): string {
    return new TextDecoder().decode(this.error.slice(0, Atomics.load(this.control, CONTROL.ERROR_BYTES)));
  }

  bump(index: number): number {
    const value = Atomics.add(this.control, index, 1) + 1;
    Atomics.notify(this.control, index);
    return value;
  }

  set(index: number, value: number): void {
    Atomics.store(this.control, index, value);
    Atomics.notify(this.control, index);
  }
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

/** The main thread's side: part 0 of every step, and the worker threads doing parts 1..T−1. */
export class DataParallelGroup {
  private steps = 0;
  private closed = false;

  private constructor(
    private readonly exchange: StepExchange,
    private readonly seed: number,
    private readonly workers: Worker[],
    private readonly exits: Array<Promise<string>>,
  ) {}

  static async start(options: {
    recipe: ReplicaRecipe;
    backend: BackendName;
    model: RecModel;
    adam: Adam;
    optimizer: OptimizerConfig;
    seed: number;
    batchSize: number;
    threads: number;
  }): Promise<DataParallelGroup> {
    const names = [...options.model.params.keys()];
    const sizes = names.map((n) => (options.model.params.get(n) as tf.Variable).size);
    const exchange = StepExchange.create(names, sizes, options.threads);
    const weights = exportWeights(options.model);
    const adamState = options.adam.exportState();
    const workers: Worker[] = [];
    const ready: Array<Promise<void>> = [];
    const exits: Array<Promise<string>> = [];
    for (let part = 1; part < options.threads; part++) {
      const start: ReplicaStart = {
        recipe: options.recipe,
        backend: options.backend,
        kernels: kernelsEnabled(),
        encoder: options.model.encoder,
        vocabulary: options.model.vocabulary,
        weights,
        optimizer: options.optimizer,
        adamState,
        seed: options.seed,
        batchSize: options.batchSize,
        part,
        threads: options.threads,
        shared: exchange.shared,
        names,
        sizes,
      };
      const worker = startWorker(__filename, 'data-parallel-worker', start);
      workers.push(worker);
      const messages = replies(worker, part);
      ready.push(messages.ready);
      exits.push(messages.digest);
    }
    const group = new DataParallelGroup(exchange, options.seed, workers, exits);
    try {
      await Promise.all(ready);
    } catch (error) {
      await group.close(null);
      throw error;
    }
    return group;
  }

  /** One optimizer step: part 0 here, the others on the workers; returns the mean loss and gradient. */
  step(epoch: number, batch: number, samples: Int32Array, part0: (samples: Int32Array, rng: Random, write: (result: PartResult) => void) => void): { loss: number; grads: Map<string, Float32Array> } {
    const ex = this.exchange;
    const parity = this.steps % 2;
    ex.set(CONTROL.DONE, 0);
    ex.set(CONTROL.EPOCH, epoch);
    ex.set(CONTROL.BATCH, batch);
    ex.set(CONTROL.COMMAND, CONTROL.STEP);
    const gen = ex.bump(CONTROL.GEN);
    try {
      part0(partOf(samples, 0, ex.threads), partRandom(this.seed, epoch, batch, 0), (result) => ex.write(parity, 0, result));
    } catch (error) {
      ex.fail(`main thread: ${(error as Error).message}`);
      throw error;
    }
    ex.waitFor(CONTROL.DONE, ex.threads - 1);
    ex.set(CONTROL.RELEASE, gen);
    return ex.sharedMean(parity, 0, this.steps++);
  }

  /**
   * Stops the workers. With the main replica's digest, checks that every replica ended with
   * the same weights (they apply identical updates; a difference is a bug, not noise).
   */
  async close(mainDigest: string | null): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ex = this.exchange;
    ex.set(CONTROL.COMMAND, CONTROL.EXIT);
    ex.bump(CONTROL.GEN);
    const digests = await Promise.allSettled(this.exits);
    await Promise.all(this.workers.map((w) => w.terminate()));
    if (mainDigest === null) return;
    for (const [i, d] of digests.entries()) {
      if (d.status === 'rejected') throw d.reason as Error;
      if (d.value !== mainDigest) throw new Error(`data-parallel training: the replica on worker ${i + 1} ended with other weights than the main thread's; its updates diverged`);
    }
  }
}

/** The two replies a worker sends: 'ready' after its replica is built, and its weights' digest on exit. */
function replies(worker: Worker, part: number): { ready: Promise<void>; digest: Promise<string> } {
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  let markDigest!: (d: string) => void;
  let failDigest!: (e: Error) => void;
  const digest = new Promise<string>((resolve, reject) => {
    markDigest = resolve;
    failDigest = reject;
  });
  // awaited only when the group closes; a failure before that surfaces through ready or a step
  digest.catch(() => undefined);
  // rejecting a promise that already settled does nothing, so a late failure only reaches what is still pending
  const fail = (why: string) => {
    const error = new Error(`data-parallel training: worker ${part} ${why}`);
    failReady(error);
    failDigest(error);
  };
  worker.on('message', (m: { ready?: true; digest?: string; error?: string }) => {
    if (m.ready) markReady();
    if (m.digest !== undefined) markDigest(m.digest);
    if (m.error !== undefined) fail(`failed: ${m.error}`);
  });
  worker.once('error', (e) => fail(`failed: ${e.message}`));
  worker.once('exit', (code) => fail(`exited with code ${code}`));
  return { ready, digest };
}
