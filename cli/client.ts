// A typed wrapper over the Temporal client for Assay's workflows, so the CLI, tests and
// benchmarks start, find and control runs one way. It lives with the CLI, the side that starts
// workflows: it reads the workflows' input and result types, which the libraries in shared/
// (the workers' side too) do not depend on.
import { Client, Connection, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Services } from '../shared/config/services';
import { DEFAULT_KEEP, type PipelineSpec } from '../shared/pipeline/spec';
import type { StepName } from '../shared/pipeline/contract';
import type { BackfillInput, BackfillResult } from '../workflows/backfill';
import type { PipelineInput, PipelineResult, PipelineSpecView } from '../workflows/pipeline';
import { DATASET, PARTITION, CODE_VERSION } from '../shared/temporal/search-attributes';

export function pipelineId(dataset: string, partition: string): string {
  return `assay/${dataset}/${partition}`;
}

/**
 * A start refused because the partition's pipeline is still running: Temporal keeps one open
 * execution per workflow id, so a second start never makes a second run. The message names
 * the commands that follow or stop the running one.
 */
export class RunAlreadyRunningError extends Error {
  constructor(readonly workflowId: string, readonly runId: string | undefined) {
    super(`${workflowId} is already running${runId ? ` (execution ${runId})` : ''}; nothing new was started. Follow it with \`assay watch ${workflowId}\`, or cancel it with \`assay cancel ${workflowId}\` and start again.`);
    this.name = 'RunAlreadyRunningError';
  }
}

export interface RunOptions { noCache?: boolean; fromStep?: StepName; workflowId?: string }

export class AssayClient {
  private constructor(readonly client: Client, private readonly connection: Connection, readonly services: Services) {}

  static async connect(services: Services): Promise<AssayClient> {
    let connection: Connection;
    try {
      connection = await Connection.connect({ address: services.ASSAY_TEMPORAL_ADDRESS, connectTimeout: 5000 });
    } catch (err) {
      throw new Error(`Cannot reach Temporal at ${services.ASSAY_TEMPORAL_ADDRESS}: ${(err as Error).message}. Start the dev stack with \`assay dev up\` or set ASSAY_TEMPORAL_ADDRESS.`, { cause: err });
    }
    return new AssayClient(new Client({ connection, namespace: services.ASSAY_TEMPORAL_NAMESPACE }), connection, services);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  uiLink(workflowId: string, runId?: string): string {
    const base = `${this.services.ASSAY_TEMPORAL_UI}/namespaces/${this.services.ASSAY_TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`;
    return runId ? `${base}/${runId}/history` : base;
  }

  /**
   * Starts one pipeline; re-running a partition reuses its workflow id (the step cache makes it
   * cheap). While one is running a second start is refused with RunAlreadyRunningError.
   */
  async startRun(spec: PipelineSpec, opts: RunOptions = {}): Promise<WorkflowHandle> {
    try {
      return await this.startPipeline(spec, opts);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const workflowId = err.workflowId;
      const runId = await this.client.workflow.getHandle(workflowId).describe().then((d) => d.runId, () => undefined);
      throw new RunAlreadyRunningError(workflowId, runId);
    }
  }

  /** The spec and options an execution was started with (the first event of its history). */
  async inputOf(workflowId: string, runId?: string): Promise<PipelineInput> {
    const history = await this.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) throw new Error(`${workflowId}: its history has no start input; is it an Assay pipeline?`);
    return defaultPayloadConverter.fromPayload<PipelineInput>(payload);
  }

  private startPipeline(spec: PipelineSpec, opts: RunOptions): Promise<WorkflowHandle> {
    const input: PipelineInput = { spec: spec as PipelineSpecView, noCache: opts.noCache, fromStep: opts.fromStep };
    return this.client.workflow.start('pipeline', {
      args: [input],
      taskQueue: spec.taskQueues.cpu,
      workflowId: opts.workflowId ?? pipelineId(spec.dataset, spec.partition),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: DATASET, value: spec.dataset }, { key: PARTITION, value: spec.partition }, { key: CODE_VERSION, value: spec.codeVersion },
      ],
      staticSummary: `Assay pipeline · ${spec.dataset} / ${spec.partition}`,
      staticDetails: [
        `**dataset** ${spec.dataset} · **partition** ${spec.partition} · **code** ${spec.codeVersion}`,
        `**valuation** ${spec.valuation.method} (unit ${spec.valuation.unit}, ${spec.valuation.threshold !== undefined ? `v̂ ≥ ${spec.valuation.threshold}` : `keep ${spec.valuation.keep ?? DEFAULT_KEEP}`}, λ ${spec.valuation.lambda})`,
        `**control run** ${spec.control ? 'yes' : 'no'}`,
      ].join('\n\n'),
    });
  }

  async runAndWait(spec: PipelineSpec, opts: RunOptions = {}): Promise<{ handle: WorkflowHandle; result: PipelineResult }> {
    const handle = await this.startRun(spec, opts);
    return { handle, result: (await handle.result()) as PipelineResult };
  }

  async backfill(spec: PipelineSpec, partitions: string[], concurrency: number, opts: { noCache?: boolean; retries?: number } = {}): Promise<{ handle: WorkflowHandle; result: Promise<BackfillResult> }> {
    const input: BackfillInput = { spec: spec as PipelineSpecView, partitions, concurrency, noCache: opts.noCache, retries: opts.retries };
    const id = `assay-backfill/${spec.dataset}/${partitions[0]}..${partitions[partitions.length - 1]}/${Date.now()}`;
    const handle = await this.client.workflow.start('backfill', {
      args: [input], taskQueue: spec.taskQueues.cpu, workflowId: id,
      staticSummary: `Assay backfill · ${spec.dataset} · ${partitions.length} partitions, concurrency ${concurrency}`,
    });
    return { handle, result: handle.result() as Promise<BackfillResult> };
  }

  async createSchedule(scheduleId: string, spec: PipelineSpec, cron: string): Promise<void> {
    await this.client.schedule.create({
      scheduleId,
      spec: { cronExpressions: [cron] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      action: { type: 'startWorkflow', workflowType: 'scheduledPipeline', args: [spec as PipelineSpecView], taskQueue: spec.taskQueues.cpu, workflowId: `${scheduleId}-run` },
    });
  }
}
