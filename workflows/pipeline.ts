// The five-step method for one dataset partition: preprocess → pretrain → value → fine-tune
// (valued, and the control beside it) → infer → report. Deterministic orchestration only:
// every side effect happens in an activity, and only artifact references cross Temporal.
import {
  ApplicationFailure, CancellationScope, CancelledFailure, defineQuery, defineSignal, isCancellation, proxyActivities, setCurrentDetails,
  setHandler, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { STEPS, type PipelineIdentity, type RunIdentity, type RunProgress, type StepName, type StepRequest, type StepResult } from '../shared/pipeline/contract';
import type { ArtifactRef } from '../shared/store/manifest';
import type { QuarantineMode } from '../shared/valuation/quarantine';
import { CODE_VERSION, DATASET, PARTITION, STATUS, STEP } from '../shared/temporal/search-attributes';
import { identityMemo } from '../shared/temporal/run-memo';
import { groupOf, inputsOf, REPORT_NODE, stagesFor, type GraphNode } from '../shared/pipeline/step-table';
import { failureCause, reasonOf } from './failure-cause';
import { bookkeepingProfile, failedRunReportOptions, stepOptions, stepProfile } from './activity-profiles';

export interface PipelineInput {
  /** a spec already validated by the client (shared/pipeline/spec.ts) */
  spec: PipelineSpecView;
  noCache?: boolean;
  /** re-run this step and everything after it, ignoring the cache */
  fromStep?: StepName;
  /** the spec and code digests, when the starter (a backfill) has them; else the run asks a CPU worker */
  identity?: PipelineIdentity;
}

/** The few spec fields orchestration reads; the steps read the rest. */
export interface PipelineSpecView {
  dataset: string;
  partition: string;
  codeVersion: string;
  control: boolean;
  valuation: { quarantine: QuarantineMode };
  timeouts: Record<StepName, number>;
  heartbeatSeconds: number;
  retry: { budgetSeconds: number; initialIntervalSeconds: number; maximumIntervalSeconds: number };
  taskQueues: { cpu: string; accelerator: string };
}

export interface PipelineResult {
  runId: string;
  steps: StepResult[];
  metrics: Record<string, number>;
  report?: ArtifactRef;
}

/** What a failed pipeline reports beside its message: the failing step and the root cause. */
export interface PipelineFailureDetails {
  step: string;
  reason: string;
}

export const progressQuery = defineQuery<RunProgress>('progress');
/** Sent by a training step after each stored epoch, so the UI's current details show it live. */
export const epochSignal = defineSignal<[{ step: string; epoch: number; epochs?: number; loss?: number }]>('epoch');

export async function pipeline(input: PipelineInput): Promise<PipelineResult> {
  const info = workflowInfo();
  const { spec } = input;
  // One proxy per timeout profile; the profiles read the spec's retry budget (workflows/activity-profiles.ts).
  const bookkeeping = proxyActivities<typeof activities>(bookkeepingProfile(spec));
  const steps = proxyActivities<typeof activities>(stepProfile(spec));
  // One lineage run per execution: a re-run of the same partition keeps its workflow id.
  const run: RunIdentity = { runId: `${info.workflowId}/${info.runId}`, executionId: info.runId, dataset: spec.dataset, partition: spec.partition, codeVersion: spec.codeVersion };
  const progress: RunProgress = { step: 'starting', completed: [], cacheHits: [], detail: '' };
  setHandler(progressQuery, () => progress);
  setHandler(epochSignal, ({ step, epoch, epochs, loss }) => {
    progress.detail = `${step} epoch ${epoch}${epochs ? `/${epochs}` : ''}${loss !== undefined ? ` · loss ${loss.toFixed(4)}` : ''}`;
    setCurrentDetails(`**${progress.detail}** · done: ${progress.completed.join(', ') || 'nothing yet'}`);
  });
  upsertSearchAttributes([
    { key: DATASET, value: spec.dataset }, { key: PARTITION, value: spec.partition },
    { key: CODE_VERSION, value: spec.codeVersion }, { key: STATUS, value: 'running' },
  ]);
  const fromIndex = input.fromStep ? STEPS.indexOf(input.fromStep) : STEPS.length;
  const results: StepResult[] = [];
  // every finished step's outputs by group; a step reads the groups the graph names
  const outputsByGroup: Record<string, Record<string, ArtifactRef>> = {};
  const resultsByGroup: Record<string, StepResult> = {};

  const runStep = async (node: GraphNode): Promise<StepResult> => {
    const { step, variant } = node;
    progress.step = step;
    progress.detail = `${step}${variant ? ` (${variant})` : ''} running`;
    setCurrentDetails(`**${progress.detail}** · done: ${progress.completed.join(', ') || 'nothing yet'}`);
    upsertSearchAttributes([{ key: STEP, value: step }]);
    const request: StepRequest = { run, spec, inputs: inputsOf(node, outputsByGroup), variant, noCache: Boolean(input.noCache) || STEPS.indexOf(step) >= fromIndex };
    const result = await steps[step].executeWithOptions(stepOptions(spec, step, variant), [request]);
    results.push(result);
    // a step counts once: the valued pretrain (quarantine 'everywhere') repeats a step already done
    if ((!variant || variant === 'valued') && !progress.completed.includes(step)) progress.completed.push(step);
    if (result.cacheHit) progress.cacheHits.push(step);
    return result;
  };

  try {
    const identity = await bookkeeping.recordRunStarted(run, spec);
    // Recorded in the memo so a later backfill can tell whether this run still stands.
    upsertMemo(identityMemo(input.identity ?? identity));
    for (const stage of stagesFor(spec)) {
      // allSettled, not all: on cancellation a queued step settles at once while a running one
      // still has to stop and record itself; the run must wait for both.
      const settled = await Promise.allSettled(stage.map(runStep));
      const reasons = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (reasons.length > 0) throw reasons.find((e) => isCancellation(e)) ?? reasons[0];
      stage.forEach((node, i) => {
        const result = (settled[i] as PromiseFulfilledResult<StepResult>).value;
        const group = groupOf(node.step, node.variant);
        outputsByGroup[group] = result.outputs;
        resultsByGroup[group] = result;
      });
    }
    progress.step = 'done';
    setCurrentDetails(`**done** · cache hits: ${progress.cacheHits.join(', ') || 'none'}`);
    await bookkeeping.recordRunFinished(run, 'completed', null);
    upsertSearchAttributes([{ key: STATUS, value: 'completed' }]);
    return { runId: run.runId, steps: results, metrics: resultsByGroup.infer?.metrics ?? {}, report: outputsByGroup.report?.['report=report.html'] };
  } catch (err) {
    // Once the run's cancellation was requested it ends cancelled, also when the step it waited
    // for could not say so itself (its worker died, so the attempt timed out instead).
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    const cause = failureCause(err);
    // The step whose activity failed, else the one in progress (a cancelled or timed-out wait).
    const failedAt = cause.activity ?? progress.step;
    const reason = reasonOf(cause);
    // Bookkeeping must still happen when the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      await bookkeeping.recordRunFinished(run, cancelled ? 'cancelled' : 'failed', `${failedAt}: ${reason}`);
      if (!cancelled) await steps.report.executeWithOptions(failedRunReportOptions(spec), [{ run, spec, inputs: inputsOf(REPORT_NODE, outputsByGroup), noCache: true }]).catch(() => undefined);
    });
    upsertSearchAttributes([{ key: STATUS, value: cancelled ? 'cancelled' : 'failed' }]);
    if (cancelled) throw isCancellation(err) ? err : new CancelledFailure(`cancelled while ${failedAt} ran; it stopped with: ${reason}`);
    // The details carry the step and the reason apart, so a client can print them without parsing.
    throw ApplicationFailure.create({
      type: 'PipelineFailed', nonRetryable: true, message: `pipeline ${run.runId} failed at ${failedAt}: ${reason}`,
      details: [{ step: failedAt, reason } satisfies PipelineFailureDetails],
    });
  }
}
