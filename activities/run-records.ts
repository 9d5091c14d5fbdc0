// Bookkeeping activities: a lineage row per run execution, opened and closed by the workflow.
import * as lineage from '../shared/db/lineage';
import type { RunIdentity } from '../shared/pipeline/contract';
import { lineageDb } from './runtime';

export async function recordRunStarted(run: RunIdentity, spec: unknown): Promise<void> {
  const { db } = await lineageDb();
  await lineage.upsertRun(db, { id: run.runId, dataset: run.dataset, partition: run.partition, spec: spec as Record<string, unknown>, codeVersion: run.codeVersion });
  await lineage.setRunStatus(db, run.runId, 'running');
}

export async function recordRunFinished(run: RunIdentity, status: 'completed' | 'failed' | 'cancelled', error: string | null): Promise<void> {
  const { db } = await lineageDb();
  await lineage.closeRunningAttempts(db, run.runId, status);
  await lineage.setRunStatus(db, run.runId, status, { error: error ?? undefined });
}
