// How the CLI words a run that ended without a result: the failing step and root cause the
// workflow reported, never Temporal's bare "Workflow execution failed".
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { explainRunError, runCommands } from '../../cli/follow';

const id = 'assay/ml-100k/p0';
const closed = (cause: Error) => new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE);

describe('explainRunError', () => {
  it('a failed pipeline: its failing step and root cause, where to read more and how to resume', () => {
    const failure = ApplicationFailure.create({ type: 'PipelineFailed', nonRetryable: true, message: 'pipeline failed at pretrain: …', details: [{ step: 'pretrain', reason: 'connect ECONNREFUSED 127.0.0.1:9000 (gave up: the retry budget (spec retry.budgetSeconds) ran out)' }] });
    expect(explainRunError(closed(failure), id).message).toBe([
      `run ${id} failed at pretrain: connect ECONNREFUSED 127.0.0.1:9000 (gave up: the retry budget (spec retry.budgetSeconds) ran out)`,
      `  steps and errors: assay lineage ${id}`,
      `  resume (completed steps and checkpoints are reused): assay run --resume ${id}`,
    ].join('\n'));
  });

  it('a failure without the pipeline details falls back to the innermost cause', () => {
    const inner = ApplicationFailure.create({ message: 'disk full' });
    const outer = ApplicationFailure.create({ message: 'wrapper', cause: inner });
    expect(explainRunError(closed(outer), id).message.split('\n')[0]).toBe(`run ${id} failed: disk full`);
  });

  it('cancelled and terminated runs say so; a cancelled one offers no resume', () => {
    const cancelled = explainRunError(closed(new CancelledFailure('cancelled')), id).message;
    expect(cancelled.split('\n')[0]).toBe(`run ${id} was cancelled`);
    expect(cancelled).not.toContain('--resume');
    expect(explainRunError(closed(new TerminatedFailure('by an operator')), id).message.split('\n')[0]).toBe(`run ${id} was terminated: by an operator`);
  });

  it('other errors pass through unchanged', () => {
    const err = new Error('Cannot reach Temporal');
    expect(explainRunError(err, id)).toBe(err);
  });

  it('names the commands that act on a run', () => {
    expect(runCommands(id)).toEqual({ attach: `assay watch ${id}`, cancel: `assay cancel ${id}`, status: `assay status ${id}`, lineage: `assay lineage ${id}`, resume: `assay run --resume ${id}` });
  });
});
