// In-process workers for `assay run --workers` and the demo: one CPU and one accelerator
// worker on the spec's task queues, so a single command runs a whole pipeline.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { readServices } from '../shared/config/services';
import type { PipelineSpec } from '../shared/pipeline/spec';
import { createPoolWorker } from '../workers/pools';
import { closeRuntime } from '../activities/runtime';
import { workerLogger } from '../workers/runtime-logger';

export async function startLocalWorkers(spec: Pick<PipelineSpec, 'taskQueues'>): Promise<{ stop(): Promise<void> }> {
  const services = readServices();
  // Worker lifecycle INFO lines would drown the progress bars; warnings still show. No shutdown
  // signals: the CLI decides what Ctrl-C does (cli/follow.ts); the runtime's own handler would
  // stop the workers under a running step, which lineage would then call cancelled.
  try { Runtime.install({ logger: workerLogger('WARN'), shutdownSignals: [] }); } catch { /* already installed */ }
  const connection = await NativeConnection.connect({ address: services.ASSAY_TEMPORAL_ADDRESS });
  const cpu = await createPoolWorker('cpu', { services, taskQueue: spec.taskQueues.cpu, connection });
  const accelerator = await createPoolWorker('accelerator', { services, taskQueue: spec.taskQueues.accelerator, connection, device: 'cpu' });
  const running = [cpu.run(), accelerator.run()];
  let stopped: Promise<void> | undefined;
  return {
    // Idempotent: a Ctrl-C cancellation and the command's own cleanup may both stop them.
    stop() {
      stopped ??= (async () => {
        for (const w of [cpu, accelerator]) if (w.getState() === 'RUNNING') w.shutdown();
        await Promise.allSettled(running);
        await connection.close();
        await closeRuntime();
      })();
      return stopped;
    },
  };
}
