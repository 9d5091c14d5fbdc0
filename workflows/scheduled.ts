// What a Temporal Schedule starts: the partition is the calendar day of the schedule's
// nominal start time (so a schedule backfill over a date range makes one partition per day),
// and the pipeline runs as a child with the deterministic id of that partition.
import { executeChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { pipeline, type PipelineResult, type PipelineSpecView } from './pipeline';
import { pipelineWorkflowId } from './backfill';
import { SCHEDULED_START_TIME } from '../shared/temporal/search-attributes';

export function partitionOfDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export async function scheduledPipeline(spec: PipelineSpecView): Promise<PipelineResult | 'already-done'> {
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  const partition = partitionOfDate(scheduled ?? new Date(workflowInfo().startTime));
  try {
    return await executeChild(pipeline, {
      args: [{ spec: { ...spec, partition } }],
      workflowId: pipelineWorkflowId(spec.dataset, partition),
      taskQueue: spec.taskQueues.cpu,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') return 'already-done';
    throw err;
  }
}
