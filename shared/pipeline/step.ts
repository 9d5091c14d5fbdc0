// The contract between the step runner (activities/step-runner.ts) and a step's own code in
// shared/pipeline/steps: a step sees local folders and a few callbacks, never Temporal, the
// store or the database, so it can also run bare (the overhead benchmark does).
import type * as lineage from '../db/lineage';
import type { MetricRow, RunRow, StepRow, ValueSummaryRow } from '../db/schema';
import type { StepName, StepRequest } from './contract';

/** Live progress shown by `assay run` and in the Temporal UI's pending activity. */
export interface StepProgress {
  phase?: string;
  /** epochs completed so far and in all */
  epoch?: number;
  epochs?: number;
  loss?: number;
  [key: string]: unknown;
}

export interface StepContext {
  request: StepRequest;
  /** input groups as local folders, e.g. inputs.preprocess → folder with train.arrow ... */
  inputs: Record<string, string>;
  /** write output files here; each becomes an artifact `<group>=<file>` */
  outDir: string;
  /**
   * a private folder for intermediate files (training checkpoints); the runner removes it
   * when the step ends, however it ends. Absent when a caller runs a step bare.
   */
  scratchDir?: string;
  backend: string;
  /** a local folder holding the newest checkpoint, when a previous attempt left one */
  resumeDir?: string;
  resumeEpoch?: number;
  /** stores a checkpoint folder (epochs completed = `epoch`), then heartbeats {epoch, checkpointUri} */
  checkpoint(epoch: number, dir: string, progress?: StepProgress): Promise<void>;
  /** heartbeats live progress; the newest checkpoint reference rides along */
  heartbeat(progress: StepProgress): void;
  cancelled(): boolean;
  recordEpochMetrics(epoch: number, metrics: Record<string, number>, label?: string): Promise<void>;
  /** what lineage holds about this run so far (the report step draws from it) */
  runRecords(): Promise<RunRecords>;
}

export interface RunRecords {
  run: RunRow | undefined;
  steps: StepRow[];
  metrics: MetricRow[];
  values: ValueSummaryRow[];
}

export interface StepOutcome {
  metrics: Record<string, number>;
  /** per-model labels for final metrics, e.g. {'valued': {...}, 'most-popular': {...}} */
  labelledMetrics?: Record<string, Record<string, number>>;
  valueSummary?: Omit<lineage.ValueSummaryRecord, 'runId' | 'stepId' | 'valuesUri'> & { valuesFile?: string };
}

export interface StepDefinition {
  step: StepName;
  /**
   * The step's own module (`__filename`). Its sources and everything they import enter the
   * fingerprint (shared/pipeline/code-digest.ts), so no hand-kept version can go stale.
   */
  module: string;
  /** the part of the spec this step reads; it enters the fingerprint */
  config(spec: unknown, request: StepRequest): unknown;
  /**
   * Raw files outside the store that the step reads (the source data), by role (`events`,
   * `items`, … or a file's name inside a dataset folder). The runner stores them as artifacts
   * named by role, so lineage reaches back to each of them and each digest enters the
   * fingerprint under its role: two files with the same name in different folders stay two.
   */
  sourceFiles?(spec: unknown): Promise<Record<string, string>>;
  run(ctx: StepContext): Promise<StepOutcome>;
}

