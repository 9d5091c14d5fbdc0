// What a Temporal Schedule starts: the partition is the calendar day of the schedule's
// nominal start time (so a schedule backfill over a date range makes one partition per day),
// and the pipeline runs as a child with the deterministic id of that partition. Like a
// backfill, it reuses a completed run of the same spec and code, re-runs one of a changed
// spec or changed code, and awaits one still in flight.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import { SCHEDULED_START_TIME } from '../shared/temporal/search-attributes';
import { bookkeepingProfile } from './activity-profiles';
import { runPartition, type PartitionOutcome } from './backfill';
import type { PipelineSpecView } from './pipeline';

export function partitionOfDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export async function scheduledPipeline(spec: PipelineSpecView): Promise<PartitionOutcome> {
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  const partition = partitionOfDate(scheduled ?? new Date(workflowInfo().startTime));
  // The identity is taken when the schedule fires, from the workers' code then, not frozen at creation.
  const identity = await proxyActivities<typeof activities>(bookkeepingProfile(spec)).pipelineIdentity(spec);
  return runPartition({ spec, partition, identity, retries: 0, summary: `${spec.dataset} / ${partition} (scheduled)` });
}
