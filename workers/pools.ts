// The two worker pools. CPU: workflows, bookkeeping and the steps the step table puts in the
// CPU pool. Accelerator: the steps the table puts there, one process per device, one activity
// at a time so a step owns its device.
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../activities';
import { configureWorkerIdentity } from '../activities/runtime';
import { stepCode } from '../activities/step-cache';
import { codeVersion } from '../shared/pipeline/code-version';
import { STEP_DEFINITIONS } from '../shared/pipeline/steps';
import type { Services } from '../shared/config/services';
import { workflowsPath } from './workflows-path';
import { STEPS } from '../shared/pipeline/contract';
import { poolOf, type Pool } from '../shared/pipeline/step-table';

export type { Pool };

/** Bookkeeping the workflows call; the CPU pool runs it beside its steps. */
const BOOKKEEPING_ACTIVITIES = ['recordRunStarted', 'recordRunFinished', 'digestText', 'pipelineIdentity', 'partitionState'] as const;

/** The activities a pool registers: its steps from the step table (each step's activity has the step's name), plus bookkeeping on the CPU pool. */
export function activitiesOf(pool: Pool): Partial<typeof activities> {
  const names: Array<keyof typeof activities> = [...STEPS.filter((s) => poolOf(s) === pool), ...(pool === 'cpu' ? BOOKKEEPING_ACTIVITIES : [])];
  return Object.fromEntries(names.map((n) => [n, activities[n]]));
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
  // The version and step digests this worker records are taken now, from the code it has just
  // loaded, not at its first step, when the checkout may have moved on.
  codeVersion();
  await Promise.all(STEPS.filter((s) => poolOf(s) === pool).map((s) => stepCode(STEP_DEFINITIONS[s])));
  if (pool === 'cpu') {
    return Worker.create({
      connection, namespace: opts.services.ASSAY_TEMPORAL_NAMESPACE, taskQueue: opts.taskQueue,
      workflowsPath, activities: activitiesOf('cpu'),
    });
  }
  return Worker.create({
    connection, namespace: opts.services.ASSAY_TEMPORAL_NAMESPACE, taskQueue: opts.taskQueue,
    activities: activitiesOf('accelerator'),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 1,
  });
}
