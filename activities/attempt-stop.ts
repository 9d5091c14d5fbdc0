// Why an attempt whose cancellation signal fired stopped, as lineage records it. Temporal
// aborts a running activity for several reasons; only a cancel somebody asked for (`assay
// cancel`, Ctrl-C on `assay run --workers`) makes it `cancelled`. An attempt the server gave
// up on (a heartbeat or start-to-close timeout, e.g. across a server restart) is `lost`, and
// one stopped because its worker shut down `failed`: Temporal retries both.
import type { ActivityCancellationDetails } from '@temporalio/common';

export interface AttemptStop {
  status: 'cancelled' | 'lost' | 'failed';
  /** what lineage records as the attempt's error, beside the step's own message */
  why: string;
}

export function attemptStop(details: Pick<ActivityCancellationDetails, 'cancelRequested' | 'timedOut' | 'notFound' | 'workerShutdown' | 'reset' | 'paused'> | undefined): AttemptStop {
  // Without details (an older server), the signal can only have come from a cancel request.
  if (!details || details.cancelRequested) return { status: 'cancelled', why: 'cancellation requested' };
  if (details.timedOut) return { status: 'lost', why: 'Temporal timed this attempt out (no heartbeat reached it in time) and stopped it; a later attempt resumes' };
  if (details.notFound) return { status: 'lost', why: 'Temporal no longer knows this attempt (it was timed out or the run closed) and stopped it' };
  if (details.workerShutdown) return { status: 'failed', why: 'the worker shut down during the step; Temporal retries it on another worker' };
  if (details.reset) return { status: 'lost', why: 'the run was reset' };
  if (details.paused) return { status: 'failed', why: 'the activity was paused' };
  return { status: 'cancelled', why: 'cancellation requested' };
}
