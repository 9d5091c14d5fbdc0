// What crosses Temporal between the pipeline workflow and its step activities: references to
// artifacts ({uri, sha256, bytes}) and small summaries, never the data itself.
import type { ArtifactRef } from '../store/manifest';

export const STEPS = ['preprocess', 'pretrain', 'value', 'finetune', 'infer', 'report'] as const;
export type StepName = (typeof STEPS)[number];

/** `valued` trains on the selected set with value weights; `control` is plain fine-tuning. */
export type Variant = 'valued' | 'control';

export interface RunIdentity {
  /** the workflow id, `assay/<dataset>/<partition>` for scheduled and backfilled runs */
  runId: string;
  /** the Temporal run id of this execution */
  executionId: string;
  dataset: string;
  partition: string;
  codeVersion: string;
}

/** A run's identity beyond its partition (shared/pipeline/pipeline-identity.ts); a run carries it in its memo. */
export interface PipelineIdentity {
  specDigest: string;
  codeDigest: string;
}

export interface StepRequest {
  run: RunIdentity;
  /** the validated pipeline spec, as JSON (see shared/pipeline/spec.ts) */
  spec: unknown;
  inputs: Record<string, ArtifactRef>;
  variant?: Variant;
  /** skip the step cache for this step (`--no-cache`, or at/after `--from-step`) */
  noCache: boolean;
}

export interface StepResult {
  step: StepName;
  variant?: Variant;
  outputs: Record<string, ArtifactRef>;
  /** final scalar metrics of the step (loss, examples used, NDCG@10 ...) */
  metrics: Record<string, number>;
  cacheHit: boolean;
  fingerprint: string;
  worker: string;
  /** the device the backend computed on: `cpu`, or `cuda:N` only for a GPU backend */
  device: string;
  backend: string;
  /** the code version of the worker that ran (or served from cache) this step */
  codeVersion: string;
  /** the digest of the step's sources, kernels and lockfile on that worker */
  sourceDigest: string;
  durationMs: number;
}

export interface RunProgress {
  step: StepName | 'starting' | 'done';
  completed: StepName[];
  cacheHits: StepName[];
  detail: string;
}
