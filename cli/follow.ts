// Following a run from the terminal: how a closed run's failure is worded (the failing step and
// the root cause, not Temporal's "Workflow execution failed"), and what Ctrl-C does while the
// CLI is attached. The run lives in Temporal, not in this process: detaching never stops it.
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure, WorkflowFailedError } from '@temporalio/client';
import { describeFailure } from '../workflows/failure-cause';
import type { PipelineFailureDetails } from '../workflows/pipeline';

/** The commands that act on a run, printed wherever the CLI lets go of one. */
export function runCommands(workflowId: string): { attach: string; cancel: string; status: string; lineage: string; resume: string } {
  return {
    attach: `assay watch ${workflowId}`,
    cancel: `assay cancel ${workflowId}`,
    status: `assay status ${workflowId}`,
    lineage: `assay lineage ${workflowId}`,
    resume: `assay run --resume ${workflowId}`,
  };
}

function isFailureDetails(value: unknown): value is PipelineFailureDetails {
  return typeof value === 'object' && value !== null && typeof (value as PipelineFailureDetails).step === 'string' && typeof (value as PipelineFailureDetails).reason === 'string';
}

/**
 * Why a run ended without a result, in a few lines: `run X failed at pretrain: <root cause>`,
 * then where to read more and how to resume. Errors other than a closed run pass through.
 */
export function explainRunError(err: unknown, workflowId: string): Error {
  if (!(err instanceof WorkflowFailedError)) return err instanceof Error ? err : new Error(String(err));
  const commands = runCommands(workflowId);
  const cause = err.cause;
  let headline: string;
  if (cause instanceof CancelledFailure) headline = `run ${workflowId} was cancelled`;
  else if (cause instanceof TerminatedFailure) headline = `run ${workflowId} was terminated${cause.message && cause.message !== 'Workflow execution terminated' ? `: ${cause.message}` : ''}`;
  else if (cause instanceof TimeoutFailure) headline = `run ${workflowId} timed out (${cause.timeoutType ?? 'workflow'} timeout)`;
  else {
    const details = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
    headline = isFailureDetails(details)
      ? `run ${workflowId} failed at ${details.step}: ${details.reason}`
      : `run ${workflowId} failed: ${cause ? describeFailure(cause) : err.message}`;
  }
  const lines = [headline, `  steps and errors: ${commands.lineage}`];
  if (!(cause instanceof CancelledFailure)) lines.push(`  resume (completed steps and checkpoints are reused): ${commands.resume}`);
  return new Error(lines.join('\n'));
}

export type InterruptMode = 'detach' | 'cancel';

/**
 * Ctrl-C while attached. `detach` (plain `assay run`, `assay watch`): the run goes on in
 * Temporal; the CLI prints how to re-attach and cancel, and exits with 130. `cancel` (`assay
 * run --workers`, whose workers stop with this process): the run is cancelled, `onCancel`
 * waits for it to close (lineage records it cancelled) and stops the workers; a second Ctrl-C
 * exits at once, the cancellation still requested. Returns the function that removes the handler.
 */
export function onInterrupt(workflowId: string, mode: InterruptMode, onCancel: () => Promise<void>): () => void {
  const commands = runCommands(workflowId);
  let interrupts = 0;
  const handler = () => {
    interrupts += 1;
    if (mode === 'detach') {
      console.error(`\ndetached: run ${workflowId} continues in Temporal.\n  re-attach: ${commands.attach}\n  cancel:    ${commands.cancel}\n  status:    ${commands.status}`);
      process.exit(130);
    }
    if (interrupts > 1) {
      console.error(`\nexiting without waiting: cancellation of ${workflowId} is requested and is recorded when a worker picks the run up (\`assay worker\`); check with ${commands.status}`);
      process.exit(130);
    }
    console.error(`\ncancelling run ${workflowId} (its workers run in this process); waiting for the running step to stop — Ctrl-C again to exit at once`);
    onCancel().then(
      () => { console.error(`run ${workflowId} cancelled; lineage records it: ${commands.lineage}`); process.exit(130); },
      (err: unknown) => { console.error(`assay: cancelling ${workflowId} failed: ${err instanceof Error ? err.message : String(err)}`); process.exit(1); },
    );
  };
  process.on('SIGINT', handler);
  return () => { process.off('SIGINT', handler); };
}
