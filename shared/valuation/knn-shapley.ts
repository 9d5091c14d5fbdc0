// Exact KNN-Shapley (Jia et al., VLDB 2019) on embeddings, with the validation split as
// utility: the public entry point. The arithmetic lives in knn-shapley-kernel.ts; this module
// checks input, picks the dot-product backend, and splits validation points over worker
// threads (contiguous ranges, summed back in range order so results do not depend on timing).
import * as os from 'node:os';
import { z } from 'zod';
import { knnShapleySums, type DotProductBackend, type KnnShapleyKernelInput } from './knn-shapley-kernel';
import type { KnnShapleyWorkerData } from './knn-shapley-worker';
import { checkValuationInput, parseConfig, type LabelledEmbeddings, type WarningSink } from './input';
import { ValuationInputError } from './errors';
import { runWorker } from '../threads/worker';

export const KnnShapleyConfigSchema = z.object({
  /** neighbours of the KNN classifier whose accuracy is the utility */
  k: z.number().int().min(1).default(10),
  /** worker threads; 1 runs on the calling thread. Default: every available core */
  threads: z.number().int().min(1).max(256).optional(),
  /** validation points per distance block; memory ≈ blockSize × N × 4 bytes per thread */
  blockSize: z.number().int().min(1).max(4096).default(64),
  /** 'auto' = onnxruntime-node when its native binding loads, else the JS kernel */
  backend: z.enum(['auto', 'onnxruntime', 'js']).default('auto'),
});
export type KnnShapleyConfig = z.input<typeof KnnShapleyConfigSchema> & { readonly onWarning?: WarningSink };

let onnxAvailable: Promise<boolean> | undefined;
function onnxRuntimeLoads(): Promise<boolean> {
  onnxAvailable ??= import('onnxruntime-node').then(
    () => true,
    () => false,
  );
  return onnxAvailable;
}

export async function resolveDotProductBackend(requested: 'auto' | DotProductBackend): Promise<DotProductBackend> {
  if (requested === 'js') return 'js';
  if (await onnxRuntimeLoads()) return 'onnxruntime';
  if (requested === 'auto') return 'js';
  throw new ValuationInputError('config.backend', "is 'onnxruntime' but onnxruntime-node's native binding does not load here", "Use backend 'auto' or 'js'.");
}

function toShared<T extends Float32Array | Int32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const shared = new (array.constructor as { new (buffer: SharedArrayBuffer): T })(new SharedArrayBuffer(array.byteLength));
  shared.set(array);
  return shared;
}

/** One value per training example: its KNN-Shapley value averaged over validation points. */
export async function knnShapley(train: LabelledEmbeddings, valid: LabelledEmbeddings, config: KnnShapleyConfig = {}): Promise<Float64Array> {
  const { k, threads, blockSize, backend } = parseConfig(KnnShapleyConfigSchema, config);
  const { dim } = checkValuationInput(train, valid, { trainNeedsTwoClasses: false, method: 'knn-shapley', onWarning: config.onWarning });
  const n = train.emb.rows;
  const m = valid.emb.rows;
  if (k > n) {
    throw new ValuationInputError('config.k', `is ${k} but the training set has only ${n} examples`, `Use k ≤ ${n}.`);
  }
  const dotBackend = await resolveDotProductBackend(backend);
  const threadCount = Math.min(threads ?? os.availableParallelism(), m);
  const kernelInput: KnnShapleyKernelInput = {
    train: threadCount > 1 ? toShared(train.emb.data) : train.emb.data,
    trainLabels: threadCount > 1 ? toShared(train.labels) : train.labels,
    valid: valid.emb.data,
    validLabels: valid.labels,
    dim,
    k,
    blockSize,
  };
  let sums: Float64Array;
  if (threadCount === 1) {
    sums = await knnShapleySums(kernelInput, 0, m, dotBackend);
  } else {
    const ranges = Array.from({ length: threadCount }, (_, t) => [Math.floor((t * m) / threadCount), Math.floor(((t + 1) * m) / threadCount)] as const);
    const parts = await Promise.all(
      ranges.map(([vStart, vEnd]) => runWorker<Float64Array>(__filename, 'knn-shapley-worker', { input: kernelInput, vStart, vEnd, backend: dotBackend } satisfies KnnShapleyWorkerData)),
    );
    sums = parts[0]!;
    for (let t = 1; t < parts.length; t++) {
      const part = parts[t]!;
      for (let i = 0; i < n; i++) sums[i]! += part[i]!;
    }
  }
  for (let i = 0; i < n; i++) sums[i]! /= m;
  return sums;
}
