// The timeout and retry profiles of the pipeline's activities, one per kind of work (as the
// Temporal samples declare one proxyActivities per profile). Both wait out outages: failed
// attempts retry with exponential backoff, with no attempt cap, until the spec's retry budget
// (a schedule-to-close time) is spent; only errors that retrying cannot fix stop at once.
import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { StepName, Variant } from '../shared/pipeline/contract';
import { poolOf } from '../shared/pipeline/step-table';
import type { PipelineSpecView } from './pipeline';

/** Error types raised for bad input or a malformed reference (activities/step-runner.ts toFailure). */
export const NON_RETRYABLE_ERROR_TYPES = ['InvalidInputError', 'InvalidArtifactKeyError', 'InvalidArtifactRefError'];

type RetryBudget = PipelineSpecView['retry'];

function outageRetry(budget: RetryBudget): RetryPolicy {
  return {
    initialInterval: budget.initialIntervalSeconds * 1000,
    backoffCoefficient: 2,
    maximumInterval: budget.maximumIntervalSeconds * 1000,
    // no maximumAttempts (unlimited): the schedule-to-close budget, not a count, decides when to give up
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  };
}

/** Lineage bookkeeping: each attempt is quick, and the whole budget is there to wait for Postgres. */
export function bookkeepingProfile(spec: Pick<PipelineSpecView, 'retry'>): ActivityOptions {
  return { startToCloseTimeout: '1 minute', scheduleToCloseTimeout: spec.retry.budgetSeconds * 1000, retry: outageRetry(spec.retry) };
}

/** The steps: heartbeats notice a lost worker; a cancelled run waits for the step to record itself cancelled. */
export function stepProfile(spec: Pick<PipelineSpecView, 'retry' | 'heartbeatSeconds'>): ActivityOptions {
  return {
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: spec.heartbeatSeconds * 1000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: outageRetry(spec.retry),
  };
}

/**
 * One step's options on top of its profile: its pool, its own run time, and the retry budget on
 * top of that run time, so a step that may run its full timeout still has the whole budget left
 * to wait out an outage.
 */
export function stepOptions(spec: Pick<PipelineSpecView, 'retry' | 'timeouts' | 'taskQueues' | 'dataset' | 'partition'>, step: StepName, variant?: Variant): ActivityOptions {
  const runSeconds = spec.timeouts[step];
  return {
    taskQueue: spec.taskQueues[poolOf(step)],
    startToCloseTimeout: runSeconds * 1000,
    scheduleToCloseTimeout: (runSeconds + spec.retry.budgetSeconds) * 1000,
    summary: `${step}${variant ? ` (${variant})` : ''} · ${spec.dataset}/${spec.partition}`,
  };
}

/** The report of a failed run is best effort: one step timeout, no outage budget, so failing is not delayed. */
export function failedRunReportOptions(spec: Pick<PipelineSpecView, 'timeouts' | 'taskQueues'>): ActivityOptions {
  return { taskQueue: spec.taskQueues.cpu, startToCloseTimeout: spec.timeouts.report * 1000, scheduleToCloseTimeout: spec.timeouts.report * 1000 };
}
