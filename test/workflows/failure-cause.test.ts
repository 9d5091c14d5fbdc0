// The root cause of a failure chain as Temporal delivers it to a workflow or a client.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { describeFailure, failureCause } from '../../workflows/failure-cause';

const refused = () => ApplicationFailure.create({ type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9000' });

describe('failure cause', () => {
  it('names the failing activity and the underlying error, not "Activity task failed"', () => {
    const err = new ActivityFailure('Activity task failed', 'pretrain', '7', RetryState.TIMEOUT, 'host:1/accelerator', refused());
    expect(failureCause(err)).toEqual({ activity: 'pretrain', message: 'connect ECONNREFUSED 127.0.0.1:9000', gaveUp: 'the retry budget (spec retry.budgetSeconds) ran out' });
    expect(describeFailure(err)).toBe('pretrain: connect ECONNREFUSED 127.0.0.1:9000 (gave up: the retry budget (spec retry.budgetSeconds) ran out)');
  });

  it('looks through a schedule-to-close timeout to the last attempt\'s error', () => {
    const timeout = new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE');
    Object.defineProperty(timeout, 'cause', { value: refused() });
    const err = new ActivityFailure('Activity task failed', 'value', '3', RetryState.TIMEOUT, undefined, timeout);
    expect(describeFailure(err)).toBe('value: connect ECONNREFUSED 127.0.0.1:9000 (gave up: the retry budget (spec retry.budgetSeconds) ran out)');
  });

  it('an input error is reported once, without a retry note, and without repeating the step name', () => {
    const bad = ApplicationFailure.create({ type: 'InvalidInputError', message: 'preprocess: events.csv:3: timestamp: not a number', nonRetryable: true });
    const err = new ActivityFailure('Activity task failed', 'preprocess', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, bad);
    expect(describeFailure(err)).toBe('preprocess: events.csv:3: timestamp: not a number');
  });

  it('a failed child pipeline reports the child\'s own message', () => {
    const child = ApplicationFailure.create({ type: 'PipelineFailed', message: 'pipeline assay/d/p failed at pretrain: connect ECONNREFUSED 127.0.0.1:9000', nonRetryable: true });
    const err = new ChildWorkflowFailure('default', { workflowId: 'assay/d/p', runId: 'r' }, 'pipeline', RetryState.NON_RETRYABLE_FAILURE, child);
    expect(failureCause(err)).toEqual({ activity: undefined, message: child.message, gaveUp: undefined });
  });
});
