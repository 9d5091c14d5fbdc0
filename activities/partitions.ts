// What a backfill asks before it runs a partition: the identity the worker's code gives the
// spec, and the state of the partition's latest run (status, identity, root cause of a failure).
import { WorkflowFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { PipelineIdentity } from '../shared/pipeline/contract';
import { pipelineIdentityOf } from '../shared/pipeline/pipeline-identity';
import { identityOfMemo } from '../shared/temporal/run-memo';
import { describeFailure } from '../workflows/failure-cause';
import type { PipelineFailureDetails } from '../workflows/pipeline';
import { temporalClient } from './runtime';

/** The spec digest and this worker's code digest over every step. */
export async function pipelineIdentity(spec: unknown): Promise<PipelineIdentity> {
  return pipelineIdentityOf(spec);
}

export interface PartitionState {
  status: 'none' | 'running' | 'completed' | 'failed';
  /** `<workflowId>/<runId>`, as lineage names the run */
  runId?: string;
  /** absent for a run started before runs recorded their identity */
  identity?: PipelineIdentity;
  /** a failed, cancelled, terminated or timed-out run: why, as `<step>: <root cause>` */
  error?: string;
}

function rootCause(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const details = (err.cause as { details?: unknown[] } | undefined)?.details?.[0] as Partial<PipelineFailureDetails> | undefined;
    if (details?.step && details.reason) return `${details.step}: ${details.reason}`;
    if (err.cause) return describeFailure(err.cause);
  }
  return describeFailure(err);
}

export async function partitionState(workflowId: string): Promise<PartitionState> {
  const client = await temporalClient();
  let description;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'none' };
    throw err;
  }
  const runId = `${workflowId}/${description.runId}`;
  const identity = identityOfMemo(description.memo);
  const status = description.status.name;
  if (status === 'RUNNING') return { status: 'running', runId, identity };
  if (status === 'COMPLETED') return { status: 'completed', runId, identity };
  let error: string;
  try {
    await client.workflow.getHandle(workflowId, description.runId).result();
    error = `ended ${status.toLowerCase()}`;
  } catch (err) {
    error = rootCause(err);
  }
  return { status: 'failed', runId, identity, error };
}
