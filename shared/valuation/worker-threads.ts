// Starts a worker thread on a sibling module whether this code runs compiled (.js) or from
// TypeScript source through tsx or vitest (.ts). Workers do not inherit tsx's loader, so for
// .ts sources a two-line bootstrap registers tsx's CommonJS hook in the worker first.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export function runWorker<T>(moduleBaseName: string, workerData: unknown): Promise<T> {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, moduleBaseName + extension);
  const worker =
    extension === '.ts'
      ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(file)});`, {
          eval: true,
          workerData,
        })
      : new Worker(file, { workerData });
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
