// How a step attempt's error leaves the worker: input errors stop retries at once, everything
// else (store, database, network, corruption) retries with backoff; messages are bounded.
import { ApplicationFailure } from '@temporalio/common';
import type { StepName } from '../shared/pipeline/contract';
import { InvalidInputError } from '../shared/pipeline/errors';
import { clipText, MAX_MESSAGE_CHARS } from '../shared/data/bounded-text';

/** An error's message as lineage records it: bounded, whatever the error carried. */
export function errorText(err: unknown): string {
  return clipText(err instanceof Error ? err.message : String(err), MAX_MESSAGE_CHARS);
}

export function toFailure(err: unknown, step: StepName): unknown {
  if (err instanceof InvalidInputError) {
    return ApplicationFailure.create({ type: 'InvalidInputError', message: `${step}: ${err.message}`, nonRetryable: true, details: [err.location ?? null] });
  }
  const name = err instanceof Error ? err.name : '';
  if (['InvalidArtifactKeyError', 'InvalidArtifactRefError'].includes(name)) {
    return ApplicationFailure.create({ type: name, message: `${step}: ${(err as Error).message}`, nonRetryable: true });
  }
  // Infrastructure and corruption errors retry with backoff. Their message and stack travel to
  // Temporal, which refuses a failure over its payload limit, so both are bounded first.
  if (err instanceof Error) {
    err.message = errorText(err);
    if (err.stack) err.stack = clipText(err.stack, 2 * MAX_MESSAGE_CHARS);
  }
  return err;
}
