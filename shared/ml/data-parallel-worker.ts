// Worker-thread entry of data-parallel training (data-parallel.ts): builds a replica of the
// model, its Adam and the run's loss, then follows the main thread step by step until told
// to exit, and replies with a digest of its final weights. A failure is written into the
// shared control block first, so that a main thread blocked in Atomics.wait sees it at once.
import { parentPort, workerData } from 'node:worker_threads';
import { Adam } from './adam';
import { selectBackend } from './backend';
import { CONTROL, partGradients, partOf, partRandom, StepExchange, weightsDigest, type LoopDataBuilder, type ReplicaStart } from './data-parallel';
import { modelFromWeights } from './encoder';
import { epochBatches, epochRandom } from './training-loop';
import { setKernelsEnabled } from './wasm/kernels';

const start = workerData as ReplicaStart;
const exchange = new StepExchange(start.shared, start.names, start.sizes, start.threads);

async function main(): Promise<void> {
  await selectBackend(start.backend, () => undefined);
  setKernelsEnabled(start.kernels);
  const model = modelFromWeights(start.encoder, start.vocabulary, start.weights);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the recipe names its module at run time
  const builder = (require(start.recipe.module) as Record<string, LoopDataBuilder>)[start.recipe.builder];
  if (typeof builder !== 'function') throw new Error(`${start.recipe.module} exports no function '${start.recipe.builder}'`);
  const data = builder(start.recipe.input, model);
  const adam = new Adam(start.optimizer, model.params);
  adam.restoreState(start.adamState);
  parentPort!.postMessage({ ready: true });

  let seen = 0;
  let steps = 0;
  let batchesEpoch = -1;
  let batches: Int32Array[] = [];
  for (;;) {
    exchange.waitFor(CONTROL.GEN, seen + 1);
    seen = Atomics.load(exchange.control, CONTROL.GEN);
    if (Atomics.load(exchange.control, CONTROL.COMMAND) === CONTROL.EXIT) break;
    const epoch = Atomics.load(exchange.control, CONTROL.EPOCH);
    const batch = Atomics.load(exchange.control, CONTROL.BATCH);
    if (batchesEpoch !== epoch) {
      batches = epochBatches(data.numSamples, start.batchSize, epochRandom(start.seed, epoch), data.lengthOf);
      batchesEpoch = epoch;
    }
    const samples = batches[batch];
    if (!samples) throw new Error(`epoch ${epoch + 1} has no batch ${batch + 1}`);
    const parity = steps % 2;
    partGradients(model, data, partOf(samples, start.part, start.threads), partRandom(start.seed, epoch, batch, start.part), epoch, (result) => exchange.write(parity, start.part, result));
    exchange.bump(CONTROL.DONE);
    exchange.waitFor(CONTROL.RELEASE, seen);
    adam.applyValues(exchange.sharedMean(parity, start.part, steps).grads, epoch);
    steps += 1;
  }
  parentPort!.postMessage({ digest: weightsDigest(model) });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  exchange.fail(`worker ${start.part}: ${message}`);
  parentPort!.postMessage({ error: message });
});
