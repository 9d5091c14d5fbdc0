// The two worker pools. CPU: workflows plus the steps that need no accelerator (preprocess,
// value, report, bookkeeping). Accelerator: pretrain, fine-tune and infer, one process per
// device, one activity at a time so a step owns its device.
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../activities';
import { configureWorkerIdentity } from '../activities/runtime';
import type { Services } from '../shared/config/services';
import { workflowsPath } from './workflows-path';

export type Pool = 'cpu' | 'accelerator';

const CPU_ACTIVITIES = ['preprocess', 'value', 'report', 'recordRunStarted', 'recordRunFinished', 'digestText', 'pipelineIdentity', 'partitionState'] as const;
const ACCELERATOR_ACTIVITIES = ['pretrain', 'finetune', 'infer'] as const;

function pick<K extends keyof typeof activities>(names: readonly K[]): Pick<typeof activities, K> {
  return Object.fromEntries(names.map((n) => [n, activities[n]])) as Pick<typeof activities, K>;
}

export interface PoolOptions {
  services: Services;
  taskQueue: string;
  /** accelerator pool: the device this process is pinned to, e.g. `cuda:1`, or `cpu` */
  device?: string;
  connection?: NativeConnection;
  /** accelerator pool on a CPU-only host may run more than one step at once */
  maxConcurrentActivities?: number;
}

export async function createPoolWorker(pool: Pool, opts: PoolOptions): Promise<Worker> {
  const connection = opts.connection ?? (await NativeConnection.connect({ address: opts.services.ASSAY_TEMPORAL_ADDRESS }));
  configureWorkerIdentity(pool, opts.device ?? 'cpu');
  if (pool === 'cpu') {
    return Worker.create({
      connection, namespace: opts.services.ASSAY_TEMPORAL_NAMESPACE, taskQueue: opts.taskQueue,
      workflowsPath, activities: pick(CPU_ACTIVITIES),
    });
  }
  return Worker.create({
    connection, namespace: opts.services.ASSAY_TEMPORAL_NAMESPACE, taskQueue: opts.taskQueue,
    activities: pick(ACCELERATOR_ACTIVITIES),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 1,
  });
}
