// A real worker on a private task queue of the shared dev server, for workflow tests.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { workflowsPath } from '../../workers/workflows-path';
import { requireServices } from './services';

let runtimeInstalled = false;

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

export async function startTestWorker(name: string, options: Partial<WorkerOptions> = {}): Promise<TestWorker> {
  const services = requireServices('ASSAY_TEMPORAL_ADDRESS');
  if (!runtimeInstalled) {
    // Worker lifecycle INFO lines drown test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const taskQueue = `${name}-${process.pid}-${Date.now()}`;
  const native = await NativeConnection.connect({ address: services.ASSAY_TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection: native, namespace: services.ASSAY_TEMPORAL_NAMESPACE, taskQueue, workflowsPath, ...options });
  const running = worker.run();
  const connection = await Connection.connect({ address: services.ASSAY_TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: services.ASSAY_TEMPORAL_NAMESPACE });
  return {
    client,
    taskQueue,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await native.close();
    },
  };
}
