// What a user needs from a failure chain: which step failed and the underlying error, not the
// wrappers around it. Temporal wraps an activity's error as ActivityFailure("Activity task
// failed") → [TimeoutFailure →] ApplicationFailure(the real message); a child or a workflow
// failure adds more layers. Pure and deterministic: the pipeline workflow words its failure with it, and the CLI may too.
import { ActivityFailure, RetryState, TimeoutFailure } from '@temporalio/common';

export interface FailureCause {
  /** the activity type that failed (`pretrain`, `recordRunStarted` …), when an activity did */
  activity?: string;
  /** the innermost error's message: what actually went wrong */
  message: string;
  /** why retrying stopped, in words, when it stopped for a reason other than the error itself */
  gaveUp?: string;
}

function causeOf(e: Error): Error | undefined {
  return e.cause instanceof Error ? e.cause : undefined;
}

function gaveUpBecause(retryState: RetryState | undefined, timeout: TimeoutFailure | undefined): string | undefined {
  if (timeout?.timeoutType === 'SCHEDULE_TO_CLOSE' || retryState === RetryState.TIMEOUT) return 'the retry budget (spec retry.budgetSeconds) ran out';
  if (retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED) return 'the maximum number of attempts was reached';
  if (timeout) return `${timeout.timeoutType ?? 'a'} timeout`;
  return undefined;
}

export function failureCause(err: unknown): FailureCause {
  if (!(err instanceof Error)) return { message: String(err) };
  let activity: string | undefined;
  let retryState: RetryState | undefined;
  let timeout: TimeoutFailure | undefined;
  let innermost: Error = err;
  for (let e: Error | undefined = err; e; e = causeOf(e)) {
    if (e instanceof ActivityFailure) {
      activity = e.activityType;
      retryState = e.retryState;
    } else if (e instanceof TimeoutFailure) {
      timeout = e;
    }
    innermost = e;
  }
  // A timeout with no recorded failure under it is itself the root cause, named by its message.
  const message = innermost.message || innermost.name;
  return { activity, message, gaveUp: gaveUpBecause(retryState, timeout) };
}

/** The reason without the place: the underlying message and, if so, why retrying stopped. */
export function reasonOf(cause: FailureCause): string {
  // A step's own failure already starts with the step's name (`pretrain: …`).
  const message = cause.activity && cause.message.startsWith(`${cause.activity}: `) ? cause.message.slice(cause.activity.length + 2) : cause.message;
  return `${message}${cause.gaveUp ? ` (gave up: ${cause.gaveUp})` : ''}`;
}

/** One line: `pretrain: connect ECONNREFUSED 127.0.0.1:9000 (gave up: the retry budget … ran out)`. */
export function describeFailure(err: unknown): string {
  const cause = failureCause(err);
  return `${cause.activity ? `${cause.activity}: ` : ''}${reasonOf(cause)}`;
}
