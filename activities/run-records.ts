// Bookkeeping activities: a lineage row per run execution, opened and closed by the workflow.
import * as lineage from '../shared/db/lineage';
import type { PipelineIdentity, RunIdentity } from '../shared/pipeline/contract';
import { pipelineIdentityOf } from '../shared/pipeline/pipeline-identity';
import { lineageDb } from './runtime';

/**
 * Opens the run's lineage row, and returns the identity this worker's code gives the spec (its
 * spec and code digests), which the run records in its memo for later backfills to compare.
 */
export async function recordRunStarted(run: RunIdentity, spec: unknown): Promise<PipelineIdentity> {
  const { db } = await lineageDb();
  await lineage.upsertRun(db, { id: run.runId, dataset: run.dataset, partition: run.partition, spec: spec as Record<string, unknown>, codeVersion: run.codeVersion });
  await lineage.setRunStatus(db, run.runId, 'running');
  return pipelineIdentityOf(spec);
}

export async function recordRunFinished(run: RunIdentity, status: 'completed' | 'failed' | 'cancelled', error: string | null): Promise<void> {
  const { db } = await lineageDb();
  await lineage.closeRunningAttempts(db, run.runId, status);
  await lineage.setRunStatus(db, run.runId, status, { error: error ?? undefined });
}
