// Data-parallel training on worker threads, the main thread's side: every thread holds a
// replica of the model and of Adam, computes the gradient of its share of each batch, and all
// of them then apply the same mean gradient, so the replicas stay bit-identical without ever
// sending weights around. The lockstep over the shared control slots (exchange.ts):
//   main: publish (epoch, batch), bump GEN → all: compute own part, write region, DONE += 1
//   main: wait DONE = threads − 1, set RELEASE = GEN → all: thread p reduces slice p of the
//   parameters (the mean over parts 0..T−1, in order) into the shared mean, MEANED += 1
//   all: wait MEANED = T × steps so far → Adam on the whole shared mean.
// The workers run worker.ts; what each part computes is in replica.ts.
import type { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import type { Random } from '../../random';
import { startWorker } from '../../threads/worker';
import type { Adam } from '../adam';
import type { BackendName } from '../backend';
import type { OptimizerConfig } from '../config';
import { exportWeights, type RecModel } from '../encoder';
import type { ReplicaRecipe } from '../loop-data';
import { kernelsEnabled } from '../wasm/kernels';
import { COMMAND, SLOT, StepExchange, type PartResult } from './exchange';
import { partOf, partRandom, type ReplicaStart } from './replica';

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
      const worker = startWorker(__filename, 'worker', start);
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
    ex.set(SLOT.DONE, 0);
    ex.set(SLOT.EPOCH, epoch);
    ex.set(SLOT.BATCH, batch);
    ex.set(SLOT.COMMAND, COMMAND.STEP);
    const gen = ex.bump(SLOT.GEN);
    try {
      part0(partOf(samples, 0, ex.threads), partRandom(this.seed, epoch, batch, 0), (result) => ex.write(parity, 0, result));
    } catch (error) {
      ex.fail(`main thread: ${(error as Error).message}`);
      throw error;
    }
    ex.waitFor(SLOT.DONE, ex.threads - 1);
    ex.set(SLOT.RELEASE, gen);
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
    ex.set(SLOT.COMMAND, COMMAND.EXIT);
    ex.bump(SLOT.GEN);
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
