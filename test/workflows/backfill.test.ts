// Backfills that notice change, on the real Temporal dev server, MinIO and Postgres: a
// partition's completed run stands only for the same spec and code; a run still in flight is
// awaited and reported with its own outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeConnection } from '@temporalio/worker';
import { readServices } from '../../shared/config/services';
import { AssayClient } from '../../cli/client';
import { specDigest } from '../../shared/pipeline/pipeline-identity';
import { describeOutcome } from '../../shared/pipeline/partition-outcome';
import type { PipelineInput, PipelineSpecView } from '../../workflows/pipeline';
import type { PartitionPhase } from '../../workflows/backfill';
import { closeRuntime } from '../../activities/runtime';
import { startLocalWorkers } from '../../cli/local-workers';
import { createPoolWorker } from '../../workers/pools';
import { requireServices } from '../support/services';
import { tinySpec } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

let client: AssayClient;

beforeAll(async () => {
  requireServices('ASSAY_TEMPORAL_ADDRESS', 'ASSAY_S3_ENDPOINT', 'ASSAY_DATABASE_URL');
  client = await AssayClient.connect(readServices());
});

afterAll(async () => {
  await client?.close();
});

/** Every execution of the partition's workflow id, newest first. */
async function executionsOf(workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const w of client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(`${w.workflowId}/${w.runId}`);
  return runs;
}

describe('backfill identity', () => {
  it('the same spec twice is reused; a changed spec and changed code each start a new run, saying why', async () => {
    const spec = tinySpec('bf-change');
    const id = `assay/${spec.dataset}/p1`;
    const workers = await startLocalWorkers(spec);
    try {
      const first = (await (await client.backfill(spec, ['p1'], 1)).result).outcomes.p1!;
      expect(first).toMatchObject({ action: 'ran', result: 'completed' });
      expect(describeOutcome(first)).toBe('completed');
      expect(await executionsOf(id)).toEqual([first.run]);

      const again = (await (await client.backfill(spec, ['p1'], 1)).result).outcomes.p1!;
      expect(again).toEqual({ action: 'reused', result: 'completed', run: first.run });
      expect(describeOutcome(again)).toBe(`reused: same spec+code as run ${first.run}`);
      expect(await executionsOf(id)).toEqual([first.run]);

      const changed = { ...spec, finetune: { ...spec.finetune, epochs: spec.finetune.epochs + 1 } };
      const rerun = (await (await client.backfill(changed, ['p1'], 1)).result).outcomes.p1!;
      expect(rerun).toMatchObject({ action: 'rerun', why: 'spec changed', result: 'completed' });
      expect(rerun.run).not.toBe(first.run);
      expect(describeOutcome(rerun)).toBe('rerun: spec changed → completed');
      expect(await executionsOf(id)).toEqual([rerun.run, first.run]);

      // A run recorded by other code: its memo carries another code digest for the same spec.
      const older: PipelineInput = { spec: changed as PipelineSpecView, identity: { specDigest: specDigest(changed), codeDigest: '0'.repeat(64) } };
      const olderRun = await client.client.workflow.start('pipeline', { args: [older], taskQueue: spec.taskQueues.cpu, workflowId: id, workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
      await olderRun.result();
      const codeChanged = (await (await client.backfill(changed, ['p1'], 1)).result).outcomes.p1!;
      expect(codeChanged).toMatchObject({ action: 'rerun', why: 'code changed', result: 'completed' });
      expect(describeOutcome(codeChanged)).toBe('rerun: code changed → completed');
      expect(await executionsOf(id)).toEqual([codeChanged.run, `${id}/${olderRun.firstExecutionRunId}`, rerun.run, first.run]);
      // and that new run, recorded with this code's digest, stands for the next backfill
      expect((await (await client.backfill(changed, ['p1'], 1)).result).outcomes.p1).toEqual({ action: 'reused', result: 'completed', run: codeChanged.run });
    } finally {
      await workers.stop();
    }
  });

  it('a partition still running is awaited and reported with the outcome of that run, not started again; one running another spec is awaited, then run again', async () => {
    const spec = tinySpec('bf-await');
    const id = `assay/${spec.dataset}/p1`;
    const services = readServices();
    const connection = await NativeConnection.connect({ address: services.ASSAY_TEMPORAL_ADDRESS });
    // Only the CPU pool at first: the run holds at pretrain until an accelerator worker comes.
    const cpu = await createPoolWorker('cpu', { services, taskQueue: spec.taskQueues.cpu, connection });
    const cpuRunning = cpu.run();
    let accelerator: Awaited<ReturnType<typeof createPoolWorker>> | undefined;
    let acceleratorRunning: Promise<void> | undefined;
    try {
      const started = await client.startRun({ ...spec, partition: 'p1' });
      const running = `${id}/${(await started.describe()).runId}`;
      // p2 is in flight with another spec: awaited, then run again for this one
      const other = await client.startRun({ ...spec, partition: 'p2', finetune: { ...spec.finetune, epochs: spec.finetune.epochs + 1 } });
      const otherRun = `assay/${spec.dataset}/p2/${(await other.describe()).runId}`;
      const { handle, result } = await client.backfill(spec, ['p1', 'p2'], 2);
      await waitFor(async () => {
        const phases = await handle.query<Record<string, PartitionPhase>>('backfillProgress');
        return phases.p1 === 'awaiting' && phases.p2 === 'awaiting' ? true : undefined;
      }, 'the backfill to await both running partitions');
      accelerator = await createPoolWorker('accelerator', { services, taskQueue: spec.taskQueues.accelerator, connection, device: 'cpu' });
      acceleratorRunning = accelerator.run();
      const outcomes = (await result).outcomes;
      const outcome = outcomes.p1!;
      expect(outcome).toEqual({ action: 'awaited', result: 'completed', run: running });
      expect(describeOutcome(outcome)).toBe('awaited: was running → completed');
      expect(await executionsOf(id)).toEqual([running]);
      expect(outcomes.p2).toMatchObject({ action: 'rerun', why: 'spec changed (after awaiting the run in flight)', result: 'completed' });
      expect(await executionsOf(`assay/${spec.dataset}/p2`)).toEqual([outcomes.p2!.run, otherRun]);
    } finally {
      accelerator?.shutdown();
      cpu.shutdown();
      await Promise.allSettled([cpuRunning, acceleratorRunning]);
      await connection.close();
      await closeRuntime();
    }
  });
});
