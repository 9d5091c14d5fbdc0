// Worker-thread entry for KNN-Shapley: sums the values of one contiguous range of
// validation points and posts them back (the Float64Array's buffer is transferred, not
// copied). A rejection is left unhandled on purpose: it ends the worker with an 'error'
// event, which the main thread turns into a rejected knnShapley call.
import { parentPort, workerData } from 'node:worker_threads';
import { knnShapleySums, type DotProductBackend, type KnnShapleyKernelInput } from './knn-shapley-kernel';

export interface KnnShapleyWorkerData {
  readonly input: KnnShapleyKernelInput;
  readonly vStart: number;
  readonly vEnd: number;
  readonly backend: DotProductBackend;
}

const job = workerData as KnnShapleyWorkerData;
void knnShapleySums(job.input, job.vStart, job.vEnd, job.backend).then((sums) => parentPort!.postMessage(sums, [sums.buffer as ArrayBuffer]));
