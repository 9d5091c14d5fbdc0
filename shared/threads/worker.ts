// Starts a worker thread on a module whether this code runs compiled (.js) or from TypeScript
// source through tsx or vitest (.ts). Workers do not inherit tsx's loader, so for .ts sources
// a two-line bootstrap registers tsx's CommonJS hook in the worker first.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker running `siblingOf`'s sibling module `moduleBaseName` (no extension: the caller's
 * own extension is used, so .ts sources start .ts workers).
 */
export function startWorker(siblingOf: string, moduleBaseName: string, workerData: unknown): Worker {
  const extension = path.extname(siblingOf);
  const file = path.join(path.dirname(siblingOf), moduleBaseName + extension);
  return extension === '.ts'
    ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(file)});`, { eval: true, workerData })
    : new Worker(file, { workerData });
}

/** Runs a one-shot worker (see startWorker) and resolves with the first message it posts. */
export function runWorker<T>(siblingOf: string, moduleBaseName: string, workerData: unknown): Promise<T> {
  const worker = startWorker(siblingOf, moduleBaseName, workerData);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    worker.once('message', (message: T) => {
      settled = true;
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`Worker ${moduleBaseName} exited with code ${code} before replying; see its stderr above.`));
    });
  });
}
