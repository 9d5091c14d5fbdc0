// Fans one pipeline out over many partitions with bounded concurrency. A partition's identity
// is its workflow id (`assay/<dataset>/<partition>`) plus the spec and code digests its run
// records in its memo: a completed run with the same digests is reused, a changed spec or
// changed code runs the partition again, a run still in flight is awaited and its outcome
// reported, and a failed one runs again (with a bounded number of retries).
import {
  ApplicationFailure, defineQuery, ParentClosePolicy, proxyActivities, setHandler, sleep, startChild, WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { PipelineIdentity } from '../shared/pipeline/contract';
import { changeOf, type PartitionOutcome } from '../shared/pipeline/partition-outcome';
import { identityMemo } from '../shared/temporal/run-memo';
import { bookkeepingProfile } from './activity-profiles';
import { describeFailure } from './failure-cause';
import { pipeline, type PipelineInput, type PipelineSpecView } from './pipeline';

export interface BackfillInput {
  /** the spec every partition shares; its `partition` is replaced per child */
  spec: PipelineSpecView;
  partitions: string[];
  concurrency: number;
  /** extra attempts for a partition whose pipeline failed */
  retries?: number;
  noCache?: boolean;
}

export type { PartitionOutcome };

export interface BackfillResult {
  outcomes: Record<string, PartitionOutcome>;
}

/** Per partition, while the backfill runs: queued, inspecting, awaiting (a run in flight), running, done. */
export type PartitionPhase = 'queued' | 'inspecting' | 'awaiting' | 'running' | 'done';
export const backfillProgressQuery = defineQuery<Record<string, PartitionPhase>>('backfillProgress');

export function pipelineWorkflowId(dataset: string, partition: string): string {
  return `assay/${dataset}/${partition}`;
}

function isAlreadyStarted(err: unknown): boolean {
  return err instanceof Error && (err.name === 'WorkflowExecutionAlreadyStartedError' || /already started/i.test(err.message));
}

/** The root cause of a failed child pipeline: its `PipelineFailed` details when it has them. */
function childFailure(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const details = (e as { details?: unknown[] }).details?.[0] as { step?: string; reason?: string } | undefined;
    if (e.name === 'ApplicationFailure' && details?.step && details.reason) return `${details.step}: ${details.reason}`;
  }
  return describeFailure(err);
}

const POLL_FIRST_MS = 1000;
const POLL_MAX_MS = 15_000;

export interface PartitionOptions {
  spec: PipelineSpecView;
  partition: string;
  identity: PipelineIdentity;
  retries: number;
  noCache?: boolean;
  summary: string;
  onPhase?: (phase: PartitionPhase) => void;
}

/** Brings one partition to a run of this identity: reuse, run, re-run or await, and say which and why. */
export async function runPartition(opts: PartitionOptions): Promise<PartitionOutcome> {
  const { spec, partition, identity } = opts;
  const { partitionState } = proxyActivities<typeof activities>(bookkeepingProfile(spec));
  const workflowId = pipelineWorkflowId(spec.dataset, partition);
  const childInput: PipelineInput = { spec: { ...spec, partition }, noCache: opts.noCache, identity };
  let awaited = false;
  let failures = 0;
  let lastError: string | undefined;
  let pollMs = POLL_FIRST_MS;
  let action: PartitionOutcome['action'] = 'ran';
  let why: string | undefined;
  for (;;) {
    opts.onPhase?.('inspecting');
    const state = await partitionState(workflowId);
    if (state.status === 'running') {
      // Someone else's run (a schedule, `assay run`, another backfill): wait for its outcome.
      awaited = true;
      opts.onPhase?.('awaiting');
      await sleep(pollMs);
      pollMs = Math.min(2 * pollMs, POLL_MAX_MS);
      continue;
    }
    const change = state.status === 'completed' ? changeOf(state.identity, identity) : undefined;
    // A run in flight is someone else's: its outcome is reported, unless it completed a run of
    // another spec or code, which cannot stand for this backfill's.
    if (awaited && state.status !== 'none' && !change) {
      return { action: 'awaited', result: state.status, run: state.runId, error: state.error };
    }
    if (state.status === 'completed') {
      if (!change) return { action: 'reused', result: 'completed', run: state.runId };
      action = 'rerun';
      why = awaited ? `${change} (after awaiting the run in flight)` : change;
      awaited = false;
    }
    if (failures > opts.retries) return { action, why, result: 'failed', run: state.runId, error: lastError ?? state.error };
    opts.onPhase?.('running');
    try {
      const child = await startChild(pipeline, {
        args: [childInput],
        workflowId,
        taskQueue: spec.taskQueues.cpu,
        // The decision above, not the id policy, says whether a closed run stands.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        memo: identityMemo(identity),
        staticSummary: opts.summary,
      });
      await child.result();
      return { action, why, result: 'completed', run: `${workflowId}/${child.firstExecutionRunId}` };
    } catch (err) {
      // Started by someone else between the look and the start: the next look awaits it.
      if (isAlreadyStarted(err)) continue;
      failures++;
      lastError = childFailure(err);
    }
  }
}

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  if (input.concurrency < 1) throw ApplicationFailure.nonRetryable(`concurrency must be at least 1, got ${input.concurrency}`, 'InvalidInputError');
  const { pipelineIdentity } = proxyActivities<typeof activities>(bookkeepingProfile(input.spec));
  const phases: Record<string, PartitionPhase> = Object.fromEntries(input.partitions.map((p) => [p, 'queued']));
  setHandler(backfillProgressQuery, () => phases);
  // The identity the workers' code gives this spec; every partition shares it.
  const identity = await pipelineIdentity(input.spec);
  const outcomes: Record<string, PartitionOutcome> = {};
  const queue = [...input.partitions];
  const lanes = Array.from({ length: Math.min(input.concurrency, queue.length) }, async () => {
    for (let partition = queue.shift(); partition !== undefined; partition = queue.shift()) {
      const p = partition;
      outcomes[p] = await runPartition({
        spec: input.spec, partition: p, identity, retries: input.retries ?? 1, noCache: input.noCache,
        summary: `${input.spec.dataset} / ${p} (backfill)`, onPhase: (phase) => { phases[p] = phase; },
      });
      phases[p] = 'done';
    }
  });
  await Promise.all(lanes);
  return { outcomes };
}
