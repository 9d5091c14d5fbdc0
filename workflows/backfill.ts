// Fans one pipeline out over many partitions with bounded concurrency. Child ids are
// deterministic (`assay/<dataset>/<partition>`), so a partition that already finished is
// never run twice, however often the backfill is repeated; a failed one is retried alone.
import { ApplicationFailure, executeChild, WorkflowIdReusePolicy, ParentClosePolicy } from '@temporalio/workflow';
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

export type PartitionOutcome = 'completed' | 'already-done' | 'failed';

export interface BackfillResult {
  outcomes: Record<string, PartitionOutcome>;
  errors: Record<string, string>;
}

export function pipelineWorkflowId(dataset: string, partition: string): string {
  return `assay/${dataset}/${partition}`;
}

function isAlreadyStarted(err: unknown): boolean {
  return err instanceof Error && (err.name === 'WorkflowExecutionAlreadyStartedError' || /already started/i.test(err.message));
}

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  if (input.concurrency < 1) throw ApplicationFailure.nonRetryable(`concurrency must be at least 1, got ${input.concurrency}`, 'InvalidInputError');
  const outcomes: Record<string, PartitionOutcome> = {};
  const errors: Record<string, string> = {};
  const queue = [...input.partitions];

  const runPartition = async (partition: string): Promise<void> => {
    const childInput: PipelineInput = { spec: { ...input.spec, partition }, noCache: input.noCache };
    for (let attempt = 0; attempt <= (input.retries ?? 1); attempt++) {
      try {
        await executeChild(pipeline, {
          args: [childInput],
          workflowId: pipelineWorkflowId(input.spec.dataset, partition),
          taskQueue: input.spec.taskQueues.cpu,
          // A completed partition rejects a new run (→ already done); a failed one may run again.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `${input.spec.dataset} / ${partition} (backfill)`,
        });
        outcomes[partition] = 'completed';
        return;
      } catch (err) {
        if (isAlreadyStarted(err)) {
          outcomes[partition] = 'already-done';
          return;
        }
        errors[partition] = err instanceof Error ? err.message : String(err);
      }
    }
    outcomes[partition] = 'failed';
  };

  const lanes = Array.from({ length: Math.min(input.concurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await runPartition(next);
  });
  await Promise.all(lanes);
  return { outcomes, errors };
}
