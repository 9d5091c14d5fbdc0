// The throughput bench's reference: the backend's own matMul GFLOP/s, and that of the SIMD
// kernels' product that training runs instead where it can (shared/ml/kernels/matmul.ts times()), on one
// thread or on several at once (each thread its own tfjs backend, as data-parallel training
// runs them).
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../shared/ml/backend';
import { times } from '../shared/ml/kernels/matmul';
import { runWorker } from '../shared/threads/worker';

/** Whose product: tfjs's matMul on the backend, or the kernels' (matmul.ts times(), which falls back to tfjs where they do not run). */
export type Product = 'backend' | 'kernels';

export interface MatMulJob {
  readonly backend: BackendName;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly product: Product;
  /** products timed at least */
  readonly repeats: number;
  /** and for at least this long, so that concurrent threads overlap */
  readonly minSeconds: number;
  /** [ready count, go]: a thread counts itself ready, then waits for go (absent: start at once) */
  readonly start?: SharedArrayBuffer;
}

/** The fastest product [m×k]·[k×n] (result read back, as training does) of a job, in seconds. */
export function timeMatMuls(job: MatMulJob): number {
  const a = tf.randomNormal([job.m, job.k]);
  const b = tf.randomNormal([job.k, job.n]);
  // not inside tf.tidy: tidy walks a returned TypedArray element by element (≈50× slower here)
  const once = () => {
    const c = job.product === 'kernels' ? times(a as tf.Tensor2D, b as tf.Tensor2D) : tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  once();
  if (job.start) {
    const gate = new Int32Array(job.start);
    Atomics.add(gate, 0, 1);
    Atomics.notify(gate, 0);
    Atomics.wait(gate, 1, 0);
  }
  let best = Number.POSITIVE_INFINITY;
  const began = performance.now();
  for (let r = 0; r < job.repeats || performance.now() - began < job.minSeconds * 1000; r++) {
    const started = performance.now();
    once();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  a.dispose();
  b.dispose();
  return best;
}

/** GFLOP/s of this thread alone: its best product over a second of products (as each thread's below). */
export function matMulGflops(m: number, k: number, n: number, product: Product = 'backend'): number {
  return (2 * m * k * n) / timeMatMuls({ backend: tf.getBackend() as BackendName, m, k, n, product, repeats: 5, minSeconds: 1 }) / 1e9;
}

/**
 * Summed GFLOP/s of `threads` threads multiplying at once: all start together, each keeps
 * multiplying for a second and takes its best product, and the figure adds the threads' rates.
 */
export async function parallelMatMulGflops(m: number, k: number, n: number, threads: number, product: Product = 'backend'): Promise<number> {
  const start = new SharedArrayBuffer(8);
  const gate = new Int32Array(start);
  const job: MatMulJob = { backend: tf.getBackend() as BackendName, m, k, n, product, repeats: 5, minSeconds: 1 };
  const others = Array.from({ length: threads - 1 }, () => runWorker<number>(__filename, 'matmul-worker', { ...job, start }));
  let failure: unknown = null;
  for (const other of others) other.catch((error: unknown) => void (failure ??= error));
  // the workers start their backends first; then every thread is released at once
  for (let ready = Atomics.load(gate, 0); ready < threads - 1; ready = Atomics.load(gate, 0)) {
    if (failure) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  const here = timeMatMuls(job);
  const seconds = [here, ...(await Promise.all(others))];
  return seconds.reduce((sum, s) => sum + (2 * m * k * n) / s / 1e9, 0);
}
