// The five-step method for one dataset partition: preprocess → pretrain → value → fine-tune
// (valued, and the control beside it) → infer → report. Deterministic orchestration only:
// every side effect happens in an activity, and only artifact references cross Temporal.
import {
  ActivityCancellationType, ApplicationFailure, CancellationScope, defineQuery, defineSignal, isCancellation, proxyActivities, setCurrentDetails,
  setHandler, upsertSearchAttributes, workflowInfo, type ActivityOptions,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { ACCELERATED_STEPS, STEPS, type RunIdentity, type RunProgress, type StepName, type StepRequest, type StepResult, type Variant } from '../shared/pipeline/contract';
import type { ArtifactRef } from '../shared/store/manifest';
import { CODE_VERSION, DATASET, PARTITION, STATUS, STEP } from '../shared/temporal/search-attributes';

export interface PipelineInput {
  /** a spec already validated by the client (shared/pipeline/spec.ts) */
  spec: PipelineSpecView;
  noCache?: boolean;
  /** re-run this step and everything after it, ignoring the cache */
  fromStep?: StepName;
}

/** The few spec fields orchestration reads; the steps read the rest. */
export interface PipelineSpecView {
  dataset: string;
  partition: string;
  codeVersion: string;
  control: boolean;
  timeouts: Record<StepName, number>;
  heartbeatSeconds: number;
  taskQueues: { cpu: string; accelerator: string };
}

export interface PipelineResult {
  runId: string;
  steps: StepResult[];
  metrics: Record<string, number>;
  report?: ArtifactRef;
}

export const progressQuery = defineQuery<RunProgress>('progress');
/** Sent by a training step after each stored epoch, so the UI's current details show it live. */
export const epochSignal = defineSignal<[{ step: string; epoch: number; epochs?: number; loss?: number }]>('epoch');

// Timeout profiles: bookkeeping is quick; steps heartbeat, so a lost worker is noticed within
// the heartbeat timeout while the step itself may run for its configured time.
const bookkeeping = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});
const steps = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  // A cancelled run waits for the running step to stop and record itself as cancelled.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInputError'] },
});

/** An ActivityFailure says only "Activity task failed"; the reason a user can act on is its cause. */
function rootCause(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

export async function pipeline(input: PipelineInput): Promise<PipelineResult> {
  const info = workflowInfo();
  const { spec } = input;
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
  // what the report step reads: the dataset (rejects), the values and the inference outputs
  const forReport: Record<string, ArtifactRef> = {};
  const reportInputs = () => ({ ...forReport });

  const runStep = async (step: StepName, inputs: Record<string, ArtifactRef>, variant?: Variant): Promise<StepResult> => {
    progress.step = step;
    progress.detail = `${step}${variant ? ` (${variant})` : ''} running`;
    setCurrentDetails(`**${progress.detail}** · done: ${progress.completed.join(', ') || 'nothing yet'}`);
    upsertSearchAttributes([{ key: STEP, value: step }]);
    const request: StepRequest = { run, spec, inputs, variant, noCache: Boolean(input.noCache) || STEPS.indexOf(step) >= fromIndex };
    const options: ActivityOptions = {
      taskQueue: ACCELERATED_STEPS.has(step) ? spec.taskQueues.accelerator : spec.taskQueues.cpu,
      startToCloseTimeout: spec.timeouts[step] * 1000,
      heartbeatTimeout: spec.heartbeatSeconds * 1000,
      summary: `${step}${variant ? ` (${variant})` : ''} · ${spec.dataset}/${spec.partition}`,
    };
    const result = await steps[step].executeWithOptions(options, [request]);
    results.push(result);
    if (step === 'preprocess' || step === 'value' || step === 'infer') Object.assign(forReport, result.outputs);
    if (!variant || variant === 'valued') progress.completed.push(step);
    if (result.cacheHit) progress.cacheHits.push(step);
    return result;
  };

  try {
    await bookkeeping.recordRunStarted(run, spec);
    const pre = await runStep('preprocess', {});
    const pre_ = pre.outputs;
    const pt = await runStep('pretrain', pre_);
    const val = await runStep('value', { ...pre_, ...pt.outputs });
    // allSettled, not all: on cancellation the queued variant settles at once while the running
    // one still has to stop and record itself; the run must wait for both.
    const [valuedRun, controlRun] = await Promise.allSettled([
      runStep('finetune', { ...pre_, ...pt.outputs, ...val.outputs }, 'valued'),
      spec.control ? runStep('finetune', { ...pre_, ...pt.outputs }, 'control') : Promise.resolve(undefined),
    ]);
    if (valuedRun.status === 'rejected' || controlRun.status === 'rejected') {
      const reasons = [valuedRun, controlRun].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      throw reasons.find((e) => isCancellation(e)) ?? reasons[0];
    }
    const valued = valuedRun.value;
    const control = controlRun.value;
    const inf = await runStep('infer', { ...pre_, ...val.outputs, ...valued.outputs, ...(control?.outputs ?? {}) });
    const rep = await runStep('report', reportInputs());
    progress.step = 'done';
    setCurrentDetails(`**done** · cache hits: ${progress.cacheHits.join(', ') || 'none'}`);
    await bookkeeping.recordRunFinished(run, 'completed', null);
    upsertSearchAttributes([{ key: STATUS, value: 'completed' }]);
    return { runId: run.runId, steps: results, metrics: inf.metrics, report: rep.outputs['report=report.html'] };
  } catch (err) {
    const cancelled = isCancellation(err);
    const reason = rootCause(err);
    // Bookkeeping must still happen when the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      await bookkeeping.recordRunFinished(run, cancelled ? 'cancelled' : 'failed', reason);
      if (!cancelled) await steps.report.executeWithOptions({ taskQueue: spec.taskQueues.cpu, startToCloseTimeout: spec.timeouts.report * 1000 }, [{ run, spec, inputs: reportInputs(), noCache: true }]).catch(() => undefined);
    });
    upsertSearchAttributes([{ key: STATUS, value: cancelled ? 'cancelled' : 'failed' }]);
    if (cancelled) throw err;
    throw ApplicationFailure.nonRetryable(`pipeline ${run.runId} failed at ${progress.step}: ${reason}`, 'PipelineFailed');
  }
}
