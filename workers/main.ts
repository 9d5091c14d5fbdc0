// Worker process entry point: `tsx workers/main.ts <cpu|accelerator> [taskQueue]`.
// The accelerator pool's device pin comes from CUDA_VISIBLE_DEVICES, set by `assay worker`
// before this process starts (TensorFlow reads it once, at load).
import { loadDevEnv } from '../infra/dev/env-file';
import { readServices } from '../shared/config/services';
import { closeRuntime } from '../activities/runtime';
import { Runtime } from '@temporalio/worker';
import { createPoolWorker, type Pool } from './pools';
import { workerLogger } from './runtime-logger';
import { defaultQueue } from '../shared/temporal/task-queues';

async function run(): Promise<void> {
  loadDevEnv();
  Runtime.install({ logger: workerLogger('INFO') });
  const pool = (process.argv[2] ?? 'cpu') as Pool;
  if (pool !== 'cpu' && pool !== 'accelerator') throw new Error(`unknown pool '${pool}': use cpu or accelerator`);
  const taskQueue = process.argv[3] ?? defaultQueue(pool);
  const pinned = process.env.CUDA_VISIBLE_DEVICES;
  const device = pool === 'accelerator' && pinned !== undefined && pinned !== '' ? `cuda:${pinned}` : 'cpu';
  const worker = await createPoolWorker(pool, { services: readServices(), taskQueue, device });
  console.log(`assay worker: pool ${pool}, task queue ${taskQueue}, device ${device}, pid ${process.pid}`);
  await worker.run(); // returns after SIGTERM/SIGINT once in-flight activities finish
  await closeRuntime();
  process.exit(0);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
