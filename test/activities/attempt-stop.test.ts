// An aborted step attempt is `cancelled` in lineage only when somebody asked for the cancel.
import { describe, expect, it } from 'vitest';
import { ActivityCancellationDetails } from '@temporalio/common';
import { attemptStop } from '../../activities/attempt-stop';

describe('attemptStop', () => {
  it('a requested cancel is cancelled; without details only a request can have aborted it', () => {
    expect(attemptStop(new ActivityCancellationDetails({ cancelRequested: true })).status).toBe('cancelled');
    expect(attemptStop(undefined).status).toBe('cancelled');
  });

  it('an attempt the server timed out or forgot is lost; a worker shutdown is a failure Temporal retries', () => {
    expect(attemptStop(new ActivityCancellationDetails({ timedOut: true }))).toEqual({ status: 'lost', why: expect.stringContaining('timed this attempt out') as string });
    expect(attemptStop(new ActivityCancellationDetails({ notFound: true })).status).toBe('lost');
    expect(attemptStop(new ActivityCancellationDetails({ workerShutdown: true }))).toEqual({ status: 'failed', why: expect.stringContaining('worker shut down') as string });
  });

  it('a cancel request wins over the other flags', () => {
    expect(attemptStop(new ActivityCancellationDetails({ cancelRequested: true, workerShutdown: true })).status).toBe('cancelled');
  });
});
