// The contract between the step runner (activities/step-runner.ts) and a step's own code in
// shared/pipeline/steps: a step sees local folders, a few callbacks and its config slice, never
// Temporal, the store, the database or the rest of the spec, so it can also run bare (the
// overhead benchmark does) and its fingerprint covers everything it reads.
import type * as lineage from '../db/lineage';
import type { MetricRow, RunRow, StepRow, ValueSummaryRow } from '../db/schema';
import type { StepName, StepRequest } from './contract';
import type { PipelineSpec } from './spec';
import { poolOf, type Pool } from './step-table';

/** What a step knows of the call besides its slice: the run, its variant, its input refs; not the spec. */
export type StepCall = Omit<StepRequest, 'spec'>;

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
  request: StepCall;
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

/** A step as its module writes it: `run` receives exactly the slice `config` takes from the spec. */
export interface StepSpec<S> {
  step: StepName;
  /**
   * The step's own module (`__filename`). Its sources and everything they import enter the
   * fingerprint (shared/pipeline/code-digest.ts), so no hand-kept version can go stale.
   */
  module: string;
  /** the part of the spec this step reads; it enters the fingerprint, and it is all `run` sees of the spec */
  config(spec: PipelineSpec, call: StepCall): S;
  /**
   * Raw files outside the store that the step reads (the source data), by role (`events`,
   * `items`, … or a file's name inside a dataset folder). The runner stores them as artifacts
   * named by role, so lineage reaches back to each of them and each digest enters the
   * fingerprint under its role: two files with the same name in different folders stay two.
   */
  sourceFiles?(slice: S): Promise<Record<string, string>>;
  run(ctx: StepContext, slice: S): Promise<StepOutcome>;
}

/** A step as the runners hold it: its slice opaque, its pool from the step table. */
export interface StepDefinition {
  step: StepName;
  pool: Pool;
  module: string;
  config(spec: PipelineSpec, call: StepCall): unknown;
  sourceFiles?(slice: unknown): Promise<Record<string, string>>;
  /** `slice` must be what `config` returned for this call */
  run(ctx: StepContext, slice: unknown): Promise<StepOutcome>;
}

export function defineStep<S>(def: StepSpec<S>): StepDefinition {
  const { sourceFiles } = def;
  return {
    step: def.step,
    pool: poolOf(def.step),
    module: def.module,
    config: (spec, call) => def.config(spec, call),
    sourceFiles: sourceFiles ? (slice) => sourceFiles(slice as S) : undefined,
    run: (ctx, slice) => def.run(ctx, slice as S),
  };
}

/** A step's context on local folders: no store, no database, nothing recorded. */
export function localStepContext(request: StepCall, place: { inputs: Record<string, string>; outDir: string; scratchDir?: string; backend: string }): StepContext {
  return {
    request,
    inputs: { ...place.inputs },
    outDir: place.outDir,
    scratchDir: place.scratchDir,
    backend: place.backend,
    heartbeat: () => {},
    cancelled: () => false,
    checkpoint: async () => {},
    recordEpochMetrics: async () => {},
    runRecords: async () => ({ run: undefined, steps: [], metrics: [], values: [] }),
  };
}
